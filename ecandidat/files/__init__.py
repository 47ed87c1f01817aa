"""Files received from outside, whoever sends them: content checks that bound bytes, pixels
and decompression and rewrite what they accept (``uploads``), the clamd client
(``antivirus``), and both applied to files staff upload (``staff``).

At the bottom of the layers with ``core`` and ``audit``: no model, no domain app imported;
the limits in force are passed in by the caller.
"""

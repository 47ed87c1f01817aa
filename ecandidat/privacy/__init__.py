"""Personal data across the apps: erasure of a candidate's account (GDPR art. 17).

Above accounts, dossier, applications and notifications, whose data it removes, and below
the web layer only.
"""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`manage.py setup_demo`, run by `make demo`): above every domain app, which
    it fills through their services; nothing imports it but its command and the tests."""

    name = "ecandidat.demo"
    label = "demo"

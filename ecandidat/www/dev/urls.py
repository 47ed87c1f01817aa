from django.urls import path

from . import views

app_name = "dev"

urlpatterns = [
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<int:pk>/", views.mailbox_detail, name="mailbox_detail"),
    path("mailbox/<int:pk>/html/", views.mailbox_html, name="mailbox_html"),
]

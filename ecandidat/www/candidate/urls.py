from django.urls import path

from . import views

app_name = "candidate"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("logout/", views.logout_view, name="logout"),
]

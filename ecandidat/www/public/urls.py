from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("programs/", views.programs, name="programs"),
    path("language/", views.set_language, name="set_language"),
    path("account/create/", views.signup, name="signup"),
    path("account/create/done/", views.signup_done, name="signup_done"),
    path("account/activate/<str:token>/", views.activate, name="activate"),
    path("account/lost/", views.identification_lost, name="identification_lost"),
    path("account/lost-activation/", views.lost_activation, name="lost_activation"),
    path("account/lost/done/", views.recovery_done, name="recovery_done"),
    path("account/password/<str:token>/", views.reset_password, name="reset_password"),
    path("account/email/<str:token>/", views.confirm_email, name="confirm_email"),
    path("account/link/<str:token>/", views.identity_link, name="identity_link"),
]

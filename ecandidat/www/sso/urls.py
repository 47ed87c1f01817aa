from django.urls import path

from . import cas, link, oidc, saml

app_name = "sso"

urlpatterns = [
    path("link/", link.link, name="link"),
    path("cas/login/", cas.start, name="cas_login"),
    path("cas/callback/", cas.callback, name="cas_callback"),
    path("oidc/login/", oidc.OIDCStartView.as_view(), name="oidc_login"),
    path("oidc/callback/", oidc.OIDCCallbackView.as_view(), name="oidc_callback"),
    path("saml/login/", saml.start, name="saml_login"),
    path("saml/acs/", saml.AssertionConsumerView.as_view(), name="saml_acs"),
    path("saml/metadata/", saml.MetadataView.as_view(), name="saml_metadata"),
    path("saml/ls/", saml.LogoutServiceView.as_view(), name="saml_ls"),
    path("saml/ls/post/", saml.LogoutServiceView.as_view(), name="saml_ls_post"),
    path("saml/logout/", saml.LogoutInitView.as_view(), name="saml_logout"),
]

from django.utils import translation


class UserLanguageMiddleware:
    """Use the signed-in user's preferred language, whatever the browser says.

    Visitors get Django's usual negotiation (language cookie, then Accept-Language). Once a
    candidate is signed in, the language stored on the account wins, so that the pages they
    see and the emails they receive are in the same language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from ocr.choices import CaptureSource
from ocr.models import Capture
from ocr.services import create_capture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "capture-new"])
def test_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_pages_name_their_icon_so_that_browsers_do_not_ask_for_a_missing_favicon(client):
    page = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon"[^>]* href="([^"]+)"', page)
    assert icon and icon[1].startswith(settings.STATIC_URL)
    assert finders.find(icon[1].removeprefix(settings.STATIC_URL))


def test_favicon_ico_is_the_icon_for_pages_that_name_none(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == open(finders.find("frontend/icon-192.png"), "rb").read()


def test_wrong_credentials_get_401_and_a_message(client, make_user):
    make_user(Role.OPERATOR, username="olga")
    response = client.post(reverse("login"), {"username": "olga", "password": "nope"})
    assert response.status_code == 401
    assert b"Wrong username or password" in response.content


def test_login_then_home(client, make_user):
    make_user(Role.OPERATOR, username="olga")
    response = client.post(reverse("login"), {"username": "olga", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_upload_page_creates_capture_and_shows_it(client, make_user, station, label_png):
    client.force_login(make_user(Role.OPERATOR))
    response = client.post(
        reverse("capture-new"),
        {
            "station": station.code,
            "image": SimpleUploadedFile("label.png", label_png),
            "idempotency_key": "abc",
        },
    )
    capture = Capture.objects.get()
    assert response.status_code == 302 and response.url == reverse("capture-page", args=[capture.pk])
    assert capture.source == CaptureSource.BROWSER and capture.station == station
    page = client.get(response.url)
    assert page.status_code == 200 and b'data-capture-id="%d"' % capture.pk in page.content


def test_upload_page_refuses_a_non_image_with_a_message(client, make_user):
    client.force_login(make_user(Role.OPERATOR))
    response = client.post(reverse("capture-new"), {"image": SimpleUploadedFile("x.jpg", b"not an image")})
    assert response.status_code == 400 and b"not an image" in response.content
    assert not Capture.objects.exists()


def test_auditor_cannot_open_the_upload_page(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    assert client.get(reverse("capture-new")).status_code == 403


def test_image_is_served_with_its_type_and_nosniff_to_allowed_users_only(client, make_user, label_png):
    owner, other = make_user(Role.OPERATOR), make_user(Role.OPERATOR)
    capture, _ = create_capture(actor=owner, data=label_png, source=CaptureSource.BROWSER)
    client.force_login(owner)
    response = client.get(reverse("capture-image", args=[capture.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == label_png
    client.force_login(other)
    assert client.get(reverse("capture-image", args=[capture.pk])).status_code == 404
    assert client.get(reverse("capture-page", args=[capture.pk])).status_code == 404


def test_text_read_from_an_image_is_escaped_on_pages(client, make_user, label_png):
    user = make_user(Role.SUPERVISOR)
    capture, _ = create_capture(
        actor=user,
        data=label_png,
        source=CaptureSource.BROWSER,
        original_name="<script>alert(1)</script>.png",
    )
    client.force_login(user)
    page = (
        client.get(reverse("home")).content + client.get(reverse("capture-page", args=[capture.pk])).content
    )
    assert b"<script>alert(1)" not in page


def test_a_page_not_for_the_role_and_a_page_not_found_are_the_app_s_own(client, make_user):
    """In the app's frame, with its menu: what the role cannot open, and what is not there."""
    client.force_login(make_user(Role.OPERATOR, username="olga"))
    refused = client.get(reverse("review-queue"))
    page = refused.content.decode()
    assert refused.status_code == 403 and "Not for your role" in page
    assert "Signed in as olga (operator)" in page and 'class="brand"' in page
    missing = client.get("/captures/999999/")
    page = missing.content.decode()
    assert missing.status_code == 404 and "<code>/captures/999999/</code>" in page and 'class="brand"' in page


def test_a_server_error_is_the_app_s_own_page():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))  # rendered without a request's context
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()
    assert 'class="brand"' in response.content.decode()

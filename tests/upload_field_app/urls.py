"""The tests' URLs plus the Member form page (``@pytest.mark.urls`` picks this module)."""

from django.urls import path

from tests.urls import urlpatterns as test_urlpatterns

from . import views

urlpatterns = [
    *test_urlpatterns,
    path("members/", views.member_form, name="member-add"),
    path("members/<int:pk>/", views.member_form, name="member-change"),
    path("members/<int:pk>/saved/", views.member_saved, name="member-saved"),
]

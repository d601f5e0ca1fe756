from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import document_views, equipment_views, inspection_views, trace_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("capture/", views.capture_new, name="capture-new"),
    path("captures/<int:capture_id>/", views.capture_detail, name="capture-page"),
    path("captures/<int:capture_id>/image", views.capture_image, name="capture-image"),
    path("captures/<int:capture_id>/label/", views.label_capture, name="capture-label"),
    path("captures/<int:capture_id>/heat/<int:inspection_id>", views.heat_map, name="capture-heat-map"),
    path("review/", views.review_queue, name="review-queue"),
    path("inspect/", inspection_views.inspect, name="inspect"),
    path("inspect/<int:plan_id>/", inspection_views.inspect, name="inspect-plan"),
    path("inspect/forms/<int:draft_id>/", inspection_views.confirm_form, name="confirm-form"),
    path("equipment/", equipment_views.equipment_list, name="equipment"),
    path("equipment/<int:equipment_id>/", equipment_views.equipment_page, name="equipment-page"),
    path("equipment/displays/<int:display_id>/state", equipment_views.display_state, name="display-state"),
    path(
        "equipment/displays/<int:display_id>/readings.csv",
        equipment_views.display_readings_csv,
        name="display-readings-csv",
    ),
    path("tickets/<int:ticket_id>/", equipment_views.ticket_action, name="ticket-action"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("verify/", views.verify_station, name="verify-station"),
    path("genealogy/", trace_views.genealogy, name="genealogy"),
    path("genealogy/units/<int:unit_id>/", trace_views.genealogy_unit, name="genealogy-unit"),
    path("genealogy/lots/<int:lot_id>/", trace_views.genealogy_lot, name="genealogy-lot"),
    path("genealogy/lots/<int:lot_id>/recall/", trace_views.recall_lot, name="genealogy-recall"),
    path("audit/", trace_views.audit, name="audit"),
    path("review/<int:capture_id>/", views.review_page, name="review-page"),
    path("documents/", document_views.documents, name="documents"),
    path("documents/<int:document_id>/", document_views.document_page, name="document-page"),
    path("documents/<int:document_id>/file", document_views.document_file, name="document-file"),
    path("deliveries/", document_views.deliveries, name="deliveries"),
]

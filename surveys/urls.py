from django.urls import path

from surveys import round_views, views

app_name = "surveys"

urlpatterns = [
    path("self-assessment/", views.self_assessment, name="self_assessment"),
    path(
        "gap/<int:user_id>/competency/<int:competency_id>/supervisor-rating/",
        views.supervisor_rating,
        name="supervisor_rating",
    ),
    # HC's self-assessment rounds: completion by section and the export (rounds are created in the admin).
    path("surveys/rounds/", round_views.rounds, name="rounds"),
    path("surveys/rounds/<int:round_id>/", round_views.round_detail, name="round"),
    path("surveys/rounds/<int:round_id>/export.<str:fmt>", round_views.round_export, name="round_export"),
]

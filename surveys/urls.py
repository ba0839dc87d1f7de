from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("self-assessment/", views.self_assessment, name="self_assessment"),
    path(
        "gap/<int:user_id>/competency/<int:competency_id>/supervisor-rating/",
        views.supervisor_rating,
        name="supervisor_rating",
    ),
]

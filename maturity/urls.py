from django.urls import path

from maturity import views

app_name = "maturity"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("answer/", views.answer, name="answer"),
]

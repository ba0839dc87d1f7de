from django.urls import path

from competencies import views

app_name = "competencies"

urlpatterns = [
    path("gap/", views.my_gaps, name="my_gaps"),
    path("gap/<int:user_id>/", views.employee_gaps_view, name="employee_gaps"),
]

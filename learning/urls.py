from django.urls import path

from learning import views

app_name = "learning"

urlpatterns = [
    path("", views.my_plan, name="my_plan"),
    path("draft/", views.plan_draft, name="draft"),
    path("<int:user_id>/", views.employee_plan, name="employee_plan"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/delete/", views.objective_delete, name="objective_delete"),
    path("objectives/<int:objective_id>/idp-item/", views.objective_to_idp_item, name="objective_to_idp_item"),
]

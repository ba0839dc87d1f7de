from django.urls import path

from idp import views

app_name = "idp"

urlpatterns = [
    path("", views.my_plan, name="my_plan"),
    path("new/", views.item_new, name="item_new"),
    path("approvals/", views.approvals, name="approvals"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/end/", views.delegation_end, name="delegation_end"),
    path("employee/<int:user_id>/", views.employee_plan, name="employee_plan"),
    path("suggestions/<int:competency_id>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:competency_id>/dismiss/", views.suggestion_dismiss, name="suggestion_dismiss"),
    path("<int:item_id>/", views.item_detail, name="item"),
    path("<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("<int:item_id>/evidence/", views.item_evidence, name="item_evidence"),
    path("<int:item_id>/<slug:action>/", views.item_action, name="item_action"),
]

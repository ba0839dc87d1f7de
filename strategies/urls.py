from django.urls import path

from strategies import views

app_name = "strategies"

urlpatterns = [
    path("", views.strategy_list, name="list"),
    path("<int:strategy_id>/", views.strategy_detail, name="detail"),
    path("<int:strategy_id>/preview/", views.strategy_preview, name="preview"),
    path("<int:strategy_id>/apply/", views.strategy_apply_view, name="apply"),
]

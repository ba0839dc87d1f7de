"""IDP items come with the development-plan issue; the app exists so the layout is final."""

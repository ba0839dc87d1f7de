"""The portal's date formats (FORMAT_MODULE_PATH), where Django's own differ between the two
languages: each language has one way of writing a day, "12 May 2026" / "12 Mei 2026", and one
way of writing a moment, 24-hour, "12 May 2026, 14:30" / "12 Mei 2026, 14.30". Everything not
set here (number separators, input formats) is Django's."""

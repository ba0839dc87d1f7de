# Django's Indonesian abbreviates months unevenly ("12 Jan. 2026", "12 Agu 2026", "12 Maret 2026");
# the three-letter names read alike, as the English ones do: "12 Jan 2026", "12 Agu 2026", "12 Mei 2026".
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H.i"
TIME_FORMAT = "H.i"
SHORT_DATETIME_FORMAT = "d-m-Y H.i"

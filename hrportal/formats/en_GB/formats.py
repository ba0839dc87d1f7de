# Django's British English writes times "2:30 p.m."; the portal's are 24-hour, as on a shift roster.
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

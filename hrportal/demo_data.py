"""The demo organisation that `manage.py seed_demo` loads: a gas processing plant.

Plain data only; the command turns it into rows. Everything random is drawn from
`random.Random(SEED)` in a fixed order, so every run produces the same organisation.
"""

from datetime import datetime, timedelta, timezone

SEED = 2026
PASSWORD = "demo-pass"  # noqa: S105 -- the published password of the demo logins
EMAIL_DOMAIN = "hcportal.example"
# Western Indonesia Time, a fixed offset: the same instants whatever TIME_ZONE says.
WIB = timezone(timedelta(hours=7), "WIB")

SECTIONS = ["Production", "Maintenance", "HSE"]

SECTION_HEAD = "Section Head"
SR_SUPERVISOR = "Sr Supervisor"
SHIFT_SUPERVISOR = "Shift Supervisor"
SENIOR_OPERATOR = "Senior Operator"
OPERATOR = "Operator"
TECHNICIAN = "Technician"
POSITIONS = [SECTION_HEAD, SR_SUPERVISOR, SHIFT_SUPERVISOR, SENIOR_OPERATOR, OPERATOR, TECHNICIAN]

# Skill groups: (prefix, name, description, competencies). A competency is
# (name, definition, three syllabus topics); its code is "<prefix>-<nn>".
SKILL_GROUPS = [
    (
        "GSH",
        "General Safety & Health",
        "Working safely in a hydrocarbon processing facility and protecting people and the environment.",
        [
            (
                "Hazard Identification & Risk Assessment",
                "Identifies workplace hazards and assesses and controls their risks before work starts.",
                ["job safety analysis", "risk matrix", "hierarchy of controls"],
            ),
            (
                "Permit to Work",
                "Requests, issues and closes work permits and isolations according to the site permit system.",
                ["permit types", "energy isolation and LOTO", "gas testing"],
            ),
            (
                "Emergency Response",
                "Acts correctly in fires, gas releases and medical emergencies and leads drills at their level.",
                ["alarm and muster procedures", "firefighting equipment", "emergency shutdown"],
            ),
            (
                "Process Safety Management",
                "Applies process safety principles to keep hydrocarbons contained and barriers effective.",
                ["safety critical elements", "barrier management", "process hazard analysis"],
            ),
            (
                "Incident Investigation",
                "Reports, investigates and learns from incidents and near misses.",
                ["incident reporting", "evidence collection", "root cause techniques"],
            ),
            (
                "Environmental Compliance",
                "Keeps emissions, effluents and waste within permit limits and regulations.",
                ["flaring and emissions", "produced water handling", "waste segregation"],
            ),
        ],
    ),
    (
        "POP",
        "Process Operations",
        "Running the gas processing units safely, reliably and on specification.",
        [
            (
                "Unit Start-up & Shutdown",
                "Starts up and shuts down process units following operating procedures.",
                ["pre-start-up checks", "purging and pressurising", "normal and emergency shutdown"],
            ),
            (
                "DCS & Process Control",
                "Operates the plant from the distributed control system and keeps control loops stable.",
                ["DCS graphics and alarms", "PID controller modes", "alarm management"],
            ),
            (
                "Gas Treating & Separation",
                "Operates separators, amine treating and dehydration units to meet gas specifications.",
                ["separator operation", "amine sweetening", "glycol dehydration"],
            ),
            (
                "Utilities Operation",
                "Operates steam, cooling water, instrument air and nitrogen systems.",
                ["boilers and steam", "cooling water treatment", "instrument air and nitrogen"],
            ),
            (
                "Product Quality & Sampling",
                "Samples and monitors products and adjusts operation to keep them on specification.",
                ["sampling procedures", "laboratory results", "off-spec handling"],
            ),
            (
                "Field Rounds & Equipment Monitoring",
                "Performs field rounds, spots abnormal conditions early and reports them.",
                ["round sheets", "leak and vibration checks", "abnormal condition reporting"],
            ),
        ],
    ),
    (
        "MNT",
        "Maintenance & Reliability",
        "Keeping equipment available and reliable through sound maintenance practice.",
        [
            (
                "Rotating Equipment",
                "Maintains pumps, compressors and turbines and recognises their failure modes.",
                ["centrifugal pumps", "gas compressors", "seals and bearings"],
            ),
            (
                "Static Equipment & Piping",
                "Inspects and maintains vessels, heat exchangers, valves and piping.",
                ["pressure vessels", "heat exchangers", "flanges and gaskets"],
            ),
            (
                "Instrumentation & Control Loops",
                "Calibrates and troubleshoots field instruments and control loops.",
                ["transmitters", "control valves", "loop checking"],
            ),
            (
                "Electrical Systems",
                "Works safely on low and medium voltage systems, motors and switchgear.",
                ["electrical isolation", "motors and drives", "switchgear"],
            ),
            (
                "Preventive Maintenance Planning",
                "Plans, schedules and records preventive maintenance in the maintenance system.",
                ["work orders", "maintenance schedules", "spare parts"],
            ),
            (
                "Root Cause Failure Analysis",
                "Finds the root causes of equipment failures and prevents their recurrence.",
                ["failure data", "5-why and fishbone", "corrective actions"],
            ),
        ],
    ),
    (
        "ENG",
        "Technical Fundamentals",
        "The engineering knowledge behind safe and efficient operation.",
        [
            (
                "P&ID and Drawing Reading",
                "Reads process flow diagrams, P&IDs and cause & effect charts.",
                ["symbols and legends", "line and tag numbering", "cause and effect charts"],
            ),
            (
                "Fluid Flow & Thermodynamics",
                "Applies the basics of pressure, flow, phase behaviour and energy to the process.",
                ["pressure and flow", "phase envelopes", "hydrates"],
            ),
            (
                "Heat Transfer Equipment",
                "Understands and monitors heaters, exchangers and air coolers.",
                ["fired heaters", "exchanger fouling", "air coolers"],
            ),
            (
                "Mass Balance & Performance Monitoring",
                "Closes unit balances and tracks key performance indicators.",
                ["metering", "material balance", "unit KPIs"],
            ),
            (
                "Management of Change",
                "Recognises changes and takes them through the management of change process.",
                ["what counts as a change", "MOC workflow", "temporary changes"],
            ),
            (
                "Operating Procedures",
                "Writes, reviews and follows operating procedures and work instructions.",
                ["procedure structure", "critical steps", "procedure reviews"],
            ),
        ],
    ),
    (
        "LDR",
        "Leadership & Teamwork",
        "Leading people and shifts, and working well with others.",
        [
            (
                "Team Leadership",
                "Sets direction for the team, assigns work and follows it through.",
                ["leadership styles", "delegation", "performance feedback"],
            ),
            (
                "Shift Handover & Communication",
                "Hands over and takes over shifts completely and communicates clearly.",
                ["handover logs", "verbal handover", "radio discipline"],
            ),
            (
                "Coaching & Mentoring",
                "Develops others on the job through coaching and mentoring.",
                ["on-the-job coaching", "giving feedback", "competency checklists"],
            ),
            (
                "Planning & Work Organisation",
                "Plans own and team work and balances priorities.",
                ["daily planning", "prioritisation", "coordination with other sections"],
            ),
            (
                "Decision Making & Problem Solving",
                "Takes sound decisions under pressure and solves problems systematically.",
                ["problem definition", "option analysis", "decision under uncertainty"],
            ),
            (
                "Cost Awareness",
                "Understands the cost of operations and maintenance and acts on it.",
                ["operating budget", "cost of downtime", "energy efficiency"],
            ),
        ],
    ),
]

# Level descriptors, formatted with name (the competency's name, lower-cased) and t0..t2 (its topics).
BEHAVIOUR_TEMPLATES = {
    1: "Explains the basic terms of {name} and carries out simple tasks under close supervision.",
    2: "Carries out routine {name} tasks independently and safely, following procedures.",
    3: "Handles non-routine {name} situations, troubleshoots problems and guides junior staff.",
    4: "Improves {name} practice across the section and is the reference colleagues turn to.",
    5: "Sets the standard for {name} in the organisation and mentors other experts.",
}
SYLLABUS_TEMPLATES = {
    1: "Introduction: {t0} and {t1}; site standards and terminology.",
    2: "Practical application: {t1} and {t2}; routine checks and records.",
    3: "Troubleshooting: abnormal situations in {t0} and {t2}; case studies from the plant.",
    4: "Optimisation: performance review, audits and improvement of {t1}; coaching others.",
    5: "Strategy: benchmarking, lessons learned from other sites and standards for {t0}.",
}
DELIVERABLE_TEMPLATES = {
    1: "On-the-job checklist for {name} signed off by the supervisor.",
    2: "Logbook of ten {name} tasks done independently, verified by the supervisor.",
    3: "Troubleshooting report on one abnormal {name} case, reviewed by the section head.",
    4: "Improvement proposal for {name} accepted by the section head.",
    5: "Revised site standard or training module on {name}.",
}

# Typical target of each position per skill group. Each position targets TARGETS_PER_POSITION
# competencies (the rest are not applicable), favouring its higher-level groups; each target
# varies by one level around the typical one.
TARGET_PROFILES = {
    SECTION_HEAD: {"GSH": 4, "POP": 4, "MNT": 3, "ENG": 4, "LDR": 5},
    SR_SUPERVISOR: {"GSH": 4, "POP": 4, "MNT": 3, "ENG": 4, "LDR": 4},
    SHIFT_SUPERVISOR: {"GSH": 4, "POP": 4, "MNT": 2, "ENG": 3, "LDR": 3},
    SENIOR_OPERATOR: {"GSH": 3, "POP": 4, "MNT": 2, "ENG": 3, "LDR": 2},
    OPERATOR: {"GSH": 3, "POP": 3, "MNT": 1, "ENG": 2, "LDR": 1},
    TECHNICIAN: {"GSH": 3, "POP": 1, "MNT": 3, "ENG": 2, "LDR": 1},
}
TARGETS_PER_POSITION = (18, 26)
TARGET_VARIATION = [-1, 0, 0, 0, 1]
# How much chance decides which competencies are applicable (0: strictly the stronger groups).
APPLICABILITY_NOISE = 1.5
TARGET_NOTE = "demo data"

# The employees: (employee number, username, first name, last name, section, position,
# supervisor's username). Supervisors come before their reports.
EMPLOYEES = [
    # Production
    ("E1001", "yusuf.maulana", "Yusuf", "Maulana", "Production", SECTION_HEAD, None),
    ("E1002", "bambang.hartono", "Bambang", "Hartono", "Production", SR_SUPERVISOR, "yusuf.maulana"),
    ("E1003", "ratna.sari", "Ratna", "Sari", "Production", SR_SUPERVISOR, "yusuf.maulana"),
    ("E1004", "demo.supervisor", "Agus", "Setiawan", "Production", SHIFT_SUPERVISOR, "bambang.hartono"),
    ("E1005", "hendra.gunawan", "Hendra", "Gunawan", "Production", SHIFT_SUPERVISOR, "bambang.hartono"),
    ("E1006", "dewi.lestari", "Dewi", "Lestari", "Production", SHIFT_SUPERVISOR, "ratna.sari"),
    ("E1007", "teguh.wibowo", "Teguh", "Wibowo", "Production", SHIFT_SUPERVISOR, "ratna.sari"),
    ("E1008", "eko.prasetyo", "Eko", "Prasetyo", "Production", SENIOR_OPERATOR, "demo.supervisor"),
    ("E1009", "fitri.handayani", "Fitri", "Handayani", "Production", SENIOR_OPERATOR, "hendra.gunawan"),
    ("E1010", "joko.susilo", "Joko", "Susilo", "Production", SENIOR_OPERATOR, "dewi.lestari"),
    ("E1011", "wahyu.nugroho", "Wahyu", "Nugroho", "Production", SENIOR_OPERATOR, "teguh.wibowo"),
    ("E1012", "demo.employee", "Rina", "Wulandari", "Production", OPERATOR, "demo.supervisor"),
    ("E1013", "andi.saputra", "Andi", "Saputra", "Production", OPERATOR, "demo.supervisor"),
    ("E1014", "putri.maharani", "Putri", "Maharani", "Production", OPERATOR, "demo.supervisor"),
    ("E1015", "fajar.ramadhan", "Fajar", "Ramadhan", "Production", OPERATOR, "hendra.gunawan"),
    ("E1016", "nur.aini", "Nur", "Aini", "Production", OPERATOR, "hendra.gunawan"),
    ("E1017", "rizky.pratama", "Rizky", "Pratama", "Production", OPERATOR, "dewi.lestari"),
    ("E1018", "sri.wahyuni", "Sri", "Wahyuni", "Production", OPERATOR, "dewi.lestari"),
    ("E1019", "galih.saputro", "Galih", "Saputro", "Production", OPERATOR, "teguh.wibowo"),
    ("E1020", "wulan.safitri", "Wulan", "Safitri", "Production", OPERATOR, "teguh.wibowo"),
    # Maintenance
    ("E1021", "hadi.purnomo", "Hadi", "Purnomo", "Maintenance", SECTION_HEAD, None),
    ("E1022", "rudi.hermawan", "Rudi", "Hermawan", "Maintenance", SR_SUPERVISOR, "hadi.purnomo"),
    ("E1023", "dedi.kurniawan", "Dedi", "Kurniawan", "Maintenance", SHIFT_SUPERVISOR, "rudi.hermawan"),
    ("E1024", "maya.anggraini", "Maya", "Anggraini", "Maintenance", SHIFT_SUPERVISOR, "rudi.hermawan"),
    ("E1025", "arif.hidayat", "Arif", "Hidayat", "Maintenance", TECHNICIAN, "dedi.kurniawan"),
    ("E1026", "lina.marlina", "Lina", "Marlina", "Maintenance", TECHNICIAN, "dedi.kurniawan"),
    ("E1027", "taufik.hidayatullah", "Taufik", "Hidayatullah", "Maintenance", TECHNICIAN, "dedi.kurniawan"),
    ("E1028", "novi.kartika", "Novi", "Kartika", "Maintenance", TECHNICIAN, "dedi.kurniawan"),
    ("E1029", "imam.syafii", "Imam", "Syafii", "Maintenance", TECHNICIAN, "maya.anggraini"),
    ("E1030", "ayu.permatasari", "Ayu", "Permatasari", "Maintenance", TECHNICIAN, "maya.anggraini"),
    ("E1031", "rahmat.hidayat", "Rahmat", "Hidayat", "Maintenance", TECHNICIAN, "maya.anggraini"),
    ("E1032", "indah.puspitasari", "Indah", "Puspitasari", "Maintenance", TECHNICIAN, "maya.anggraini"),
    # HSE
    ("E1033", "sinta.dewi", "Sinta", "Dewi", "HSE", SECTION_HEAD, None),
    ("E1034", "demo.hc", "Siti", "Rahmawati", "HSE", SR_SUPERVISOR, "sinta.dewi"),
    ("E1035", "dian.novitasari", "Dian", "Novitasari", "HSE", SR_SUPERVISOR, "sinta.dewi"),
    ("E1036", "kurnia.sandi", "Kurnia", "Sandi", "HSE", SHIFT_SUPERVISOR, "dian.novitasari"),
    ("E1037", "yuni.astuti", "Yuni", "Astuti", "HSE", OPERATOR, "kurnia.sandi"),
    ("E1038", "ahmad.fauzi", "Ahmad", "Fauzi", "HSE", OPERATOR, "kurnia.sandi"),
    ("E1039", "budi.santoso", "Budi", "Santoso", "HSE", TECHNICIAN, "kurnia.sandi"),
    ("E1040", "slamet.riyadi", "Slamet", "Riyadi", "HSE", TECHNICIAN, "kurnia.sandi"),
]

DEMO_EMPLOYEE = "demo.employee"
DEMO_SUPERVISOR = "demo.supervisor"
DEMO_HC = "demo.hc"
# IT's superuser: not an employee (no number, position or section); the one demo login that
# may grant roles, change emails and set passwords, so separation of duties can be tried.
DEMO_IT = ("demo.it", "Arief", "Nugroho")

# Assessments: (category, title, pass percentage).
ASSESSMENT_OJ = "Assessment OJ"
IHT = "IHT"
LICENCOR = "Licencor"
ASSESSMENTS = [
    (ASSESSMENT_OJ, "GSH Basic", 75),
    (ASSESSMENT_OJ, "GSH Advanced", 75),
    (ASSESSMENT_OJ, "Process Operations Basic", 75),
    (ASSESSMENT_OJ, "Process Operations Advanced", 75),
    (ASSESSMENT_OJ, "Maintenance Fundamentals", 75),
    (IHT, "Permit to Work", 70),
    (IHT, "Emergency Response & Firefighting", 70),
    (IHT, "DCS Operation", 70),
    (IHT, "Process Safety Management", 70),
    (IHT, "Supervisory Leadership", 70),
    (IHT, "Root Cause Failure Analysis", 70),
    (LICENCOR, "Gas Sweetening Unit Operation", 80),
    (LICENCOR, "Sulphur Recovery Unit Operation", 80),
]

# Mappings by category, optionally narrowed by a title pattern: (category, title pattern, code, level).
CATEGORY_MAPPINGS = [
    (ASSESSMENT_OJ, "GSH Basic", "GSH-01", 2),
    (ASSESSMENT_OJ, "GSH Basic", "GSH-02", 1),
    (ASSESSMENT_OJ, "GSH Basic", "GSH-03", 1),
    (ASSESSMENT_OJ, "GSH Basic", "GSH-05", 1),
    (ASSESSMENT_OJ, "GSH Basic", "GSH-06", 1),
    (ASSESSMENT_OJ, "GSH Advanced", "GSH-01", 3),
    (ASSESSMENT_OJ, "GSH Advanced", "GSH-02", 2),
    (ASSESSMENT_OJ, "GSH Advanced", "GSH-05", 2),
    (ASSESSMENT_OJ, "Process Operations", "POP-06", 2),
    (ASSESSMENT_OJ, "Process Operations Basic", "POP-01", 2),
    (ASSESSMENT_OJ, "Process Operations Basic", "POP-02", 2),
    (ASSESSMENT_OJ, "Process Operations Basic", "ENG-01", 1),
    (ASSESSMENT_OJ, "Process Operations Basic", "ENG-06", 1),
    (ASSESSMENT_OJ, "Process Operations Basic", "LDR-02", 1),
    (ASSESSMENT_OJ, "Process Operations Advanced", "POP-01", 3),
    (ASSESSMENT_OJ, "Process Operations Advanced", "POP-02", 3),
    (ASSESSMENT_OJ, "Process Operations Advanced", "POP-04", 3),
    (ASSESSMENT_OJ, "Process Operations Advanced", "ENG-02", 2),
    (ASSESSMENT_OJ, "Process Operations Advanced", "ENG-06", 2),
    (ASSESSMENT_OJ, "Process Operations Advanced", "LDR-02", 2),
    (LICENCOR, "", "ENG-01", 3),
    (LICENCOR, "", "ENG-05", 2),
]
# Mappings of one specific assessment: (title, code, level, minimum score or None).
ASSESSMENT_MAPPINGS = [
    ("Maintenance Fundamentals", "MNT-01", 2, None),
    ("Maintenance Fundamentals", "MNT-02", 2, None),
    ("Maintenance Fundamentals", "MNT-05", 2, None),
    ("Maintenance Fundamentals", "MNT-03", 1, None),
    ("Maintenance Fundamentals", "MNT-04", 1, None),
    ("Maintenance Fundamentals", "ENG-03", 1, None),
    ("Permit to Work", "GSH-02", 3, None),
    ("Permit to Work", "GSH-01", 2, None),
    ("Emergency Response & Firefighting", "GSH-03", 3, None),
    ("Emergency Response & Firefighting", "GSH-06", 2, None),
    ("DCS Operation", "POP-02", 3, None),
    ("DCS Operation", "MNT-03", 2, None),
    ("DCS Operation", "ENG-04", 2, None),
    ("Supervisory Leadership", "LDR-01", 3, None),
    ("Supervisory Leadership", "LDR-02", 3, None),
    ("Supervisory Leadership", "LDR-03", 2, None),
    ("Supervisory Leadership", "LDR-04", 2, None),
    ("Supervisory Leadership", "LDR-05", 2, None),
    ("Root Cause Failure Analysis", "MNT-06", 3, None),
    ("Root Cause Failure Analysis", "GSH-05", 3, None),
    ("Gas Sweetening Unit Operation", "POP-03", 4, None),
    ("Gas Sweetening Unit Operation", "POP-05", 3, None),
    ("Gas Sweetening Unit Operation", "ENG-02", 3, None),
    ("Sulphur Recovery Unit Operation", "POP-03", 3, None),
    ("Sulphur Recovery Unit Operation", "GSH-06", 3, None),
    ("Sulphur Recovery Unit Operation", "ENG-03", 3, None),
    # A score band: the higher the score, the higher the level granted.
    ("Process Safety Management", "GSH-04", 2, 60),
    ("Process Safety Management", "GSH-04", 3, 75),
    ("Process Safety Management", "GSH-04", 4, 90),
]

# Which assessments each position's people may have taken; each is taken with
# ASSESSMENT_TAKE_CHANCE, a failed one is retaken with ASSESSMENT_RETAKE_CHANCE.
ASSESSMENT_POOLS = {
    SECTION_HEAD: [
        "GSH Advanced",
        "Process Safety Management",
        "Supervisory Leadership",
        "Root Cause Failure Analysis",
        "Sulphur Recovery Unit Operation",
    ],
    SR_SUPERVISOR: [
        "GSH Advanced",
        "Process Operations Advanced",
        "Process Safety Management",
        "Supervisory Leadership",
        "Root Cause Failure Analysis",
        "Gas Sweetening Unit Operation",
        "Sulphur Recovery Unit Operation",
    ],
    SHIFT_SUPERVISOR: [
        "GSH Advanced",
        "Process Operations Advanced",
        "Permit to Work",
        "DCS Operation",
        "Process Safety Management",
        "Supervisory Leadership",
        "Gas Sweetening Unit Operation",
        "Sulphur Recovery Unit Operation",
    ],
    SENIOR_OPERATOR: [
        "GSH Basic",
        "GSH Advanced",
        "Process Operations Basic",
        "Process Operations Advanced",
        "Permit to Work",
        "Emergency Response & Firefighting",
        "DCS Operation",
        "Gas Sweetening Unit Operation",
    ],
    OPERATOR: [
        "GSH Basic",
        "Process Operations Basic",
        "Permit to Work",
        "Emergency Response & Firefighting",
        "DCS Operation",
    ],
    TECHNICIAN: [
        "GSH Basic",
        "Maintenance Fundamentals",
        "Permit to Work",
        "Emergency Response & Firefighting",
        "DCS Operation",
        "Root Cause Failure Analysis",
    ],
}
ASSESSMENT_TAKE_CHANCE = 0.75
ASSESSMENT_RETAKE_CHANCE = 0.6
SCORE_RANGE = (52, 98)
# Attempts fall between these dates; a retake 3 to 8 weeks after the failed attempt.
FIRST_ATTEMPT_FROM = datetime(2026, 1, 5, tzinfo=WIB)
FIRST_ATTEMPT_DAYS = 240
RETAKE_AFTER_DAYS = (21, 56)

# demo.employee's results are fixed, so their dashboard reliably shows met, gap and
# not started: (title, score, completed at).
DEMO_EMPLOYEE_RESULTS = [
    ("GSH Basic", 84, datetime(2026, 2, 10, 9, 30, tzinfo=WIB)),
    ("Process Operations Basic", 66, datetime(2026, 3, 17, 10, 0, tzinfo=WIB)),
    ("Process Operations Basic", 81, datetime(2026, 5, 12, 10, 0, tzinfo=WIB)),
    ("Permit to Work", 62, datetime(2026, 6, 4, 13, 0, tzinfo=WIB)),
    ("Emergency Response & Firefighting", 88, datetime(2026, 8, 19, 8, 30, tzinfo=WIB)),
]

# Manual levels set by HC, only where the employee has no level yet: (username, code, level, reason).
OVERRIDES = [
    (DEMO_EMPLOYEE, "LDR-06", 1, "Completed the cost awareness e-learning; certificate on file."),
    ("arif.hidayat", "POP-04", 2, "Three years operating utilities at a previous plant, confirmed by interview."),
    ("eko.prasetyo", "LDR-03", 2, "Mentored two new operators through their on-the-job checklists."),
]

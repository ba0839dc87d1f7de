"""The demo organisation that `manage.py seed_demo` loads: a gas processing plant.

Plain data only; the command turns it into rows. Everything random is drawn from
`random.Random(SEED)` in a fixed order, so every run produces the same organisation.
"""

from datetime import datetime, timedelta, timezone
from typing import Any

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
# Weight and criticality of the plainly safety-critical competencies, wherever a position targets
# them: (weight, critical). Every other target weighs 1 and is not critical.
TARGET_PRIORITIES = {
    "GSH-02": (3, True),  # Permit to Work
    "GSH-03": (3, True),  # Emergency Response
    "GSH-01": (2, False),  # Hazard Identification & Risk Assessment
    "GSH-04": (2, False),  # Process Safety Management
}
# The matrix is dated as it has stood since before the oldest level history (the sign-offs
# reach back from HISTORY_FROM), so the gap pages as of a past day have targets to compare with.
MATRIX_FROM = datetime(2019, 1, 1, tzinfo=WIB)

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

# Joining with a code (/join/): an employee HC has imported who has no password yet, and the
# code HC gave them. The code is fixed, not drawn, so that every seeding prints the same one.
DEMO_NEWCOMER = {
    "employee_number": "E1041",
    "username": "citra.anjani",
    "first_name": "Citra",
    "last_name": "Anjani",
    "section": "Production",
    "position": OPERATOR,
    "supervisor_employee_number": "E1005",  # hendra.gunawan: demo.supervisor's team stays as it is
}
DEMO_JOIN_CODE = "HCPT-NEWB-2345"
DEMO_JOIN_CODE_NOTE = "Demo: December intake"
DEMO_JOIN_CODE_USES = 50
DEMO_JOIN_CODE_DAYS = 365

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
# Licences lapse: the levels a Licencor pass grants are valid this many months, so the demo
# (passes from January 2026) has expired levels and others expiring within 90 days.
LICENCE_VALIDITY = {(LICENCOR, "", "ENG-01"): 10, (LICENCOR, "", "ENG-05"): 12}
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

# Online assessments, published and open to everyone, with their question banks, so
# demo.employee can take one at once and see a level rise on /gap/. Each question is
# (kind, competency tag, text, points, answer, explanation), where the answer is, by kind:
#   single / multiple: [(option text, correct), ...]; multiple with partial credit: "multiple_partial"
#   true_false: True or False;  short_answer: [accepted answers, ...].
# Mappings name the assessment: (code, level granted, minimum score or None); rising minimum
# scores on one competency are a score band.
ONLINE = "Online"
SAFE_WORK = "Safe Work: Hazards and Permits"
UTILITIES = "Utilities Operation Fundamentals"
PROCESS_SAFETY = "Process Safety and Management of Change"
ONLINE_ASSESSMENTS: list[dict[str, Any]] = [
    {
        "title": SAFE_WORK,
        "pass_percentage": 70,
        "time_limit_minutes": 15,
        "max_attempts": 3,
        "cooldown_minutes": 0,
        "questions_per_attempt": None,
        "review_policy": "explanations",
        "instructions": (
            "Ten questions on hazard identification and the permit-to-work system. You have 15 minutes "
            "and three attempts, with no wait between them. Your answers are saved as you go."
        ),
        "mappings": [("GSH-02", 2, None), ("GSH-01", 2, None), ("GSH-01", 3, 85)],
        "questions": [
            (
                "single",
                "GSH-01",
                "In the hierarchy of controls, which measure is the most effective?",
                1,
                [
                    ("Eliminating the hazard", True),
                    ("Personal protective equipment", False),
                    ("Warning signs and training", False),
                    ("A written work procedure", False),
                ],
                "Elimination removes the hazard altogether; PPE is the last line of defence because it "
                "protects only its wearer and only when worn correctly.",
            ),
            (
                "single",
                "GSH-01",
                "What does a job safety analysis (JSA) break a job down into?",
                1,
                [
                    ("Its steps, the hazards of each step and the controls for each", True),
                    ("The permits it needs and who signs them", False),
                    ("The tools and spare parts it needs", False),
                    ("The hours each person spends on it", False),
                ],
                "A JSA lists the job step by step and, for every step, what could go wrong and how it is controlled.",
            ),
            (
                "multiple_partial",
                "GSH-01",
                "You are about to open a flange on a gas line. Which hazards must you consider? Choose all that apply.",
                2,
                [
                    ("Trapped pressure in the line", True),
                    ("Residual hydrocarbons or H2S", True),
                    ("Hot surfaces from recent operation", True),
                    ("The name of the line's original manufacturer", False),
                ],
                "Before breaking containment, prove the line is depressurised, drained, purged and cool. "
                "The manufacturer's name is not a hazard.",
            ),
            (
                "true_false",
                "GSH-01",
                "On a 5 × 5 risk matrix, a risk with a low likelihood but a catastrophic consequence can be "
                "accepted without further controls.",
                1,
                False,
                "A catastrophic consequence keeps the risk high even when it is unlikely: it needs further "
                "controls, and often a review by the area authority, before work starts.",
            ),
            (
                "multiple_partial",
                "GSH-01",
                "Which of these are administrative controls? Choose all that apply.",
                2,
                [
                    ("A permit to work", True),
                    ("A written procedure with a checklist", True),
                    ("A toolbox talk before the job", True),
                    ("A fixed guard over a rotating shaft", False),
                    ("Ear defenders", False),
                ],
                "Administrative controls change the way people work. A guard is an engineering control; ear "
                "defenders are PPE.",
            ),
            (
                "single",
                "GSH-02",
                "Which permit is needed for grinding in a live process area?",
                1,
                [
                    ("A hot work permit", True),
                    ("A cold work permit", False),
                    ("A confined space entry permit only", False),
                    ("None, if the area looks gas-free", False),
                ],
                "Grinding makes sparks: it is hot work, which needs a hot work permit and a gas test.",
            ),
            (
                "multiple",
                "GSH-02",
                "Which steps belong to a positive isolation of a pump before maintenance? Choose all that apply.",
                2,
                [
                    ("Close and lock the suction and discharge valves", True),
                    ("Isolate and lock out the motor at the switchgear", True),
                    ("Drain and vent the casing and prove zero pressure", True),
                    ("Ask the control room to put the pump's controller in manual", False),
                    ("Hang a 'do not operate' tag without a lock", False),
                ],
                "Isolation means locked valves, locked-out electrical supply and a proven zero-energy state. "
                "A controller in manual or a tag without a lock isolates nothing.",
            ),
            (
                "short_answer",
                "GSH-02",
                "Which toxic gas, which smells of rotten eggs at low concentrations, must be tested for before "
                "work in sour gas areas? (Its name or chemical formula.)",
                1,
                ["H2S", "H₂S", "hydrogen sulphide", "hydrogen sulfide"],
                "Hydrogen sulphide (H2S). At higher concentrations it deadens the sense of smell, so always "
                "rely on the gas detector, never on your nose.",
            ),
            (
                "true_false",
                "GSH-02",
                "A permit stays valid across a shift change without anyone checking it again, as long as the "
                "job has not changed.",
                1,
                False,
                "At a shift change the permit is revalidated: the incoming issuer and performing authority "
                "check the site, the isolations and the gas test before work continues.",
            ),
            (
                "single",
                "GSH-02",
                "Who closes a permit and hands the equipment back to operations?",
                1,
                [
                    ("The permit issuer, after checking the site is safe and the isolations are removed", True),
                    ("The performing authority alone, once the job is done", False),
                    ("Any operator on shift", False),
                    ("The safety officer, by phone", False),
                ],
                "The issuer (area authority) closes the permit only after inspecting the site and confirming "
                "that isolations are removed and the equipment can be returned to service.",
            ),
        ],
    },
    {
        "title": UTILITIES,
        "pass_percentage": 70,
        "time_limit_minutes": 20,
        "max_attempts": 3,
        "cooldown_minutes": 60,
        "questions_per_attempt": None,
        "review_policy": "answers",
        "instructions": (
            "Ten questions on steam, cooling water, instrument air, nitrogen and heat exchangers. "
            "You have 20 minutes; after an attempt, wait an hour before the next one."
        ),
        # A score band: 70 % grants Basic, 80 % Intermediate, 90 % Advanced.
        "mappings": [("POP-04", 1, None), ("POP-04", 2, 80), ("POP-04", 3, 90), ("ENG-03", 1, None)],
        "questions": [
            (
                "single",
                "POP-04",
                "What is the main purpose of blowdown on a steam boiler?",
                1,
                [
                    ("To remove the dissolved solids and sludge that build up in the boiler water", True),
                    ("To release excess steam pressure", False),
                    ("To cool the boiler before a shutdown", False),
                    ("To drain condensate from the steam header", False),
                ],
                "Evaporation concentrates dissolved solids; blowdown keeps them below the limit that causes "
                "scale, foaming and carry-over.",
            ),
            (
                "single",
                "POP-04",
                "The drum level glass of a running boiler shows no water at all. What do you do first?",
                1,
                [
                    (
                        "Trip the burners as the procedure says, and never add feedwater to a possibly dry, hot boiler",
                        True,
                    ),
                    ("Open the feedwater valve fully", False),
                    ("Raise the firing rate to raise the level", False),
                    ("Blow down the gauge glass and carry on", False),
                ],
                "Cold feedwater on dry, overheated tubes can cause a steam explosion. Remove the heat first.",
            ),
            (
                "single",
                "POP-04",
                "Why must instrument air be dry?",
                1,
                [
                    ("Moisture condenses, freezes or corrodes in instrument lines and valve positioners", True),
                    ("Dry air is cheaper to compress", False),
                    ("Wet air makes the compressor run hotter", False),
                    ("It need not be: only breathing air must be dry", False),
                ],
                "Water in instrument air causes sticking positioners, blocked lines and corrosion, and so "
                "erratic control valves.",
            ),
            (
                "true_false",
                "POP-04",
                "Nitrogen used for purging is safe to breathe in an enclosed space, because it is not toxic.",
                1,
                False,
                "Nitrogen displaces oxygen: it asphyxiates without warning. Enclosed spaces purged with nitrogen "
                "need an oxygen test and a confined space permit.",
            ),
            (
                "multiple_partial",
                "POP-04",
                "Which of these point to a problem in a cooling water system? Choose all that apply.",
                2,
                [
                    ("The supply temperature rises at the same plant load", True),
                    ("Scale or biological fouling on exchanger tubes", True),
                    ("The basin level falls with the make-up valve wide open", True),
                    ("The pH stays steady within its control range", False),
                ],
                "Rising temperature, fouling and a falling basin level all need action; a steady pH within "
                "range is what you want to see.",
            ),
            (
                "short_answer",
                "POP-04",
                "What is the water added to a cooling tower to replace evaporation, drift and blowdown losses called?",
                1,
                ["make-up", "makeup", "make up", "make-up water", "makeup water", "make up water"],
                "Make-up water. Its flow tells you how much the system loses.",
            ),
            (
                "single",
                "POP-04",
                "An instrument air dryer's outlet shows a dew point of −40 °C. What does that tell you?",
                1,
                [
                    ("The air is very dry: the dryer is working as intended", True),
                    ("The air is wet and the dryer must be regenerated", False),
                    ("The air is too cold for the instruments", False),
                    ("The compressor is overloaded", False),
                ],
                "A low dew point means water would only condense at −40 °C: the air is dry.",
            ),
            (
                "single",
                "ENG-03",
                "At a constant flow, the tube-side pressure drop of a shell-and-tube exchanger keeps rising. "
                "What is the most likely cause?",
                1,
                [
                    ("Fouling or a blockage in the tubes", True),
                    ("A tube leak into the shell side", False),
                    ("A lower inlet temperature", False),
                    ("The exchanger is oversized", False),
                ],
                "Deposits narrow the tubes, so the same flow needs more pressure; heat transfer usually falls "
                "at the same time.",
            ),
            (
                "multiple",
                "ENG-03",
                "Which actions improve the cooling of an air cooler? Choose all that apply.",
                2,
                [
                    ("Cleaning dirty fin tubes", True),
                    ("Starting the standby fan or raising the blade pitch", True),
                    ("Opening the louvres", True),
                    ("Closing the louvres to protect the fins", False),
                ],
                "More clean surface and more air flow give more cooling; closed louvres block the air.",
            ),
            (
                "true_false",
                "ENG-03",
                "In a counter-current heat exchanger, the cold stream can leave hotter than the hot stream leaves.",
                1,
                True,
                "In counter-current flow the cold stream leaves at the hot stream's inlet end, so its outlet "
                "can be above the hot stream's outlet temperature; in co-current flow it cannot.",
            ),
        ],
    },
    {
        "title": PROCESS_SAFETY,
        "pass_percentage": 75,
        "time_limit_minutes": 20,
        "max_attempts": 3,
        "cooldown_minutes": 24 * 60,
        # Ten of the twelve questions, drawn at random for each attempt.
        "questions_per_attempt": 10,
        "review_policy": "explanations",
        "instructions": (
            "Ten questions drawn from a bank of twelve on process safety barriers, management of change "
            "and operating procedures. You have 20 minutes; wait a day between attempts."
        ),
        "mappings": [("GSH-04", 2, None), ("GSH-04", 3, 90), ("ENG-05", 2, None), ("ENG-06", 2, 85)],
        "questions": [
            (
                "single",
                "GSH-04",
                "What is a safety critical element (SCE)?",
                1,
                [
                    ("Equipment or a system whose failure could cause a major accident, or fail to limit one", True),
                    ("Any equipment that has an open maintenance work order", False),
                    ("A person trained in first aid", False),
                    ("A procedure signed by the section head", False),
                ],
                "SCEs are the barriers that prevent or limit major accidents: relief valves, trips, fire and "
                "gas detection, containment itself. Their performance standards are tested regularly.",
            ),
            (
                "multiple_partial",
                "GSH-04",
                "Which of these are barriers that prevent a loss of containment? Choose all that apply.",
                2,
                [
                    ("Pressure safety valves", True),
                    ("Corrosion inspection of piping", True),
                    ("High-pressure trips that shut the feed in", True),
                    ("The monthly production report", False),
                ],
                "Relief, integrity inspection and trips keep the hydrocarbons in the pipe; a report does not.",
            ),
            (
                "true_false",
                "GSH-04",
                "An overdue test of a pressure safety valve is an impaired barrier: it must be risk-assessed, "
                "not just rescheduled.",
                1,
                True,
                "Until it is tested, nobody knows whether the valve would lift. An impaired barrier needs a "
                "risk assessment and, where needed, extra measures until it is restored.",
            ),
            (
                "single",
                "GSH-04",
                "What sits in the centre of a bow-tie diagram?",
                1,
                [
                    ("The top event: the moment control is lost, such as a loss of containment", True),
                    ("The root cause of the hazard", False),
                    ("The emergency response plan", False),
                    ("The most expensive consequence", False),
                ],
                "Threats and preventive barriers are on the left of the top event; consequences and "
                "mitigating barriers on the right.",
            ),
            (
                "short_answer",
                "GSH-04",
                "A study called HAZOP uses guide words such as 'more', 'less' and 'no' to examine deviations. "
                "What does HAZOP stand for?",
                1,
                [
                    "hazard and operability",
                    "hazard and operability study",
                    "hazard and operability analysis",
                    "hazard & operability",
                    "hazard & operability study",
                ],
                "Hazard and operability study: a team walks through each node of the P&IDs with the guide "
                "words to find deviations, their causes and their safeguards.",
            ),
            (
                "single",
                "ENG-05",
                "Which of these is a change that needs management of change (MOC)?",
                1,
                [
                    ("Replacing a control valve with one of a different trim size", True),
                    ("Replacing a gasket with an identical one from the stores", False),
                    ("Cleaning a strainer", False),
                    ("Changing the shift rota", False),
                ],
                "A different trim changes the valve's capacity and so the process; a like-for-like "
                "replacement is not a change.",
            ),
            (
                "multiple",
                "ENG-05",
                "What must be in place before a change is made under MOC? Choose all that apply.",
                2,
                [
                    ("A hazard review of the change", True),
                    ("Updated drawings and procedures, or a plan to update them", True),
                    ("Approval by the authorised people", True),
                    ("A briefing for the people the change affects", True),
                    ("A promise to remove it 'when convenient'", False),
                ],
                "All four belong to the MOC. A temporary change has a firm expiry date, not a vague promise.",
            ),
            (
                "true_false",
                "ENG-05",
                "A temporary bypass around a faulty trip needs no MOC if it is removed within a week.",
                1,
                False,
                "Bypassing a trip removes a barrier, however briefly: it needs an MOC (or the site's override "
                "procedure) with a risk assessment and extra measures while it is in place.",
            ),
            (
                "single",
                "ENG-05",
                "A temporary change has reached its expiry date. What should happen?",
                1,
                [
                    ("Remove it, or extend it through the MOC process with a new review", True),
                    ("Leave it until the next turnaround", False),
                    ("Make it permanent by marking up the P&ID", False),
                    ("Nothing, as long as it still works", False),
                ],
                "An expired temporary change is an unmanaged change. Remove it, or take the extension "
                "through the MOC again.",
            ),
            (
                "single",
                "ENG-06",
                "In an operating procedure, what is a critical step?",
                1,
                [
                    ("A step where an error could cause immediate serious harm or damage and cannot be undone", True),
                    ("The first step of any procedure", False),
                    ("A step that takes longer than an hour", False),
                    ("A step the supervisor does", False),
                ],
                "Critical steps are marked in the procedure and often need a hold point or a second person's check.",
            ),
            (
                "multiple_partial",
                "ENG-06",
                "Which of these make a procedure easier to follow correctly? Choose all that apply.",
                2,
                [
                    ("One action per step", True),
                    ("Warnings placed before the step they apply to", True),
                    ("Hold points where the operator records a reading", True),
                    ("Long paragraphs of theory within the steps", False),
                ],
                "Short steps, warnings before the action and hold points prevent skipped or misread steps; "
                "theory belongs in training material.",
            ),
            (
                "true_false",
                "ENG-06",
                "When the plant differs from the procedure, the operator should improvise and report it afterwards.",
                1,
                False,
                "Stop, make the situation safe and ask: a procedure that does not match the plant is corrected "
                "(through MOC where needed) before the work goes on.",
            ),
        ],
    },
]

# demo.employee's plan: an approved, started item that names an online assessment, so passing
# it closes the item as verified. (competency code, assessment title, target level, description)
DEMO_EMPLOYEE_ASSESSMENT_ITEM = (
    "GSH-02",
    SAFE_WORK,
    2,
    "Pass the online Safe Work assessment to show I can request and work under permits on my own.",
)

# --- The demo's present ---------------------------------------------------------------------
# The demo is written as of DEMO_PRESENT: its history (results from 2022 to November 2026)
# ends the month before, so in December 2026 some licences have lapsed and more lapse soon.
# Seeded in another month, every demo date moves by whole months (seed_demo's month_shift),
# so the history always ends the month before the first seeding; a second run reads the shift
# back from the data and changes nothing. Dates of IDP items and notifications are today's.
DEMO_PRESENT = datetime(2026, 12, 3, 12, 0, tzinfo=WIB)

# --- Levels built up over the years ---------------------------------------------------------
# Besides the 2026 results above, the plant's earlier records come in as one results import:
# on-the-job sign-offs, one Assessment OJ per competency and level, that each person passed
# on their way to their level in every competency of their position. The licence
# competencies are raised by Licencor passes only, so their levels lapse.
OJ_PASS_PERCENTAGE = 75
OJ_TITLE = "OJ {code} level {level}"  # the evidence note repeats it: short, the page names the competency
OJ_CODE = "OJ-{code}-L{level}"
LICENCE_COMPETENCIES = ("ENG-01", "ENG-05")
HISTORY_FILE = "kkj-records-2022-2026.csv"
# An incumbent's level in a competency of their position, against its target: (chance,
# difference from the target; None for no level at all). Most meet it, some exceed it, a
# few are one or two levels short or have not started.
LEVEL_SPREAD: list[tuple[float, int | None]] = [(0.05, 1), (0.72, 0), (0.13, -1), (0.06, -2), (0.04, None)]
# People ready for their next position on a career path: measured against the higher of the
# two targets, which they nearly all meet.
READY_SPREAD: list[tuple[float, int | None]] = [(0.12, 1), (0.82, 0), (0.06, -1)]
READY_FOR_NEXT = ["andi.saputra", "wulan.safitri", "eko.prasetyo", "dedi.kurniawan", "ratna.sari"]
# A few meet every target of their position, licences included (their pass is recent).
ALL_MET_SPREAD: list[tuple[float, int | None]] = [(0.1, 1), (0.9, 0)]
ALL_MET = ["hendra.gunawan", "nur.aini", "taufik.hidayatullah", "ahmad.fauzi", "sinta.dewi"]
# The last sign-off of a competency falls between these dates; earlier levels of it 8 to 16
# months apart before it; some sign-offs were failed once, 4 to 10 weeks before the pass.
HISTORY_FROM = datetime(2022, 7, 1, tzinfo=WIB)
HISTORY_DAYS = 1610  # to late November 2026
LEVEL_STEP_DAYS = (240, 480)
FAILED_FIRST_CHANCE = 0.12
FAILED_BEFORE_DAYS = (28, 70)
# Those whose position targets a licence competency hold a Licencor pass with this chance,
# taken between these dates: the older ones have lapsed (10 and 12 months' validity).
LICENCE_HOLD_CHANCE = 0.6
LICENCE_FROM = datetime(2025, 11, 1, tzinfo=WIB)
LICENCE_DAYS = 360
LICENCE_RECENT_DAYS = 120  # the last days of that window: the ALL_MET people's passes
LICENCE_TITLES = ["Gas Sweetening Unit Operation", "Sulphur Recovery Unit Operation"]
# bambang.hartono keeps the licences of the 2026 results above: one lapsed, one lapsing.
LICENCE_KEPT = ["bambang.hartono"]
# demo.employee meets most targets; these are their gaps (level held; 0: not started), each
# one an online assessment, a suggestion or an IDP item can close.
DEMO_EMPLOYEE_GAPS = {"GSH-01": 2, "GSH-02": 1, "POP-04": 2, "MNT-06": 0}

# --- Career paths -------------------------------------------------------------------------
# (name, description, positions in order)
CAREER_PATHS = [
    (
        "Operations",
        "From the field and the control room to leading a production section.",
        [OPERATOR, SENIOR_OPERATOR, SHIFT_SUPERVISOR, SR_SUPERVISOR, SECTION_HEAD],
    ),
    (
        "Maintenance",
        "From the workshop to leading the maintenance section.",
        [TECHNICIAN, SHIFT_SUPERVISOR, SR_SUPERVISOR, SECTION_HEAD],
    ),
]

# --- IDP items ----------------------------------------------------------------------------
# Each goes through the workflow services up to its status, every step taken by the person
# the workflow names (the employee; their supervisor, or HC for a section head; HC verifies).
# (username, competency code, activity type, description, weeks to the target date,
#  status, the approver's or canceller's comment, evidence when completed)
DRAFT, SUBMITTED, APPROVED, REJECTED = "draft", "submitted", "approved", "rejected"
IN_PROGRESS, COMPLETED, VERIFIED, CANCELLED = "in_progress", "completed", "verified", "cancelled"
IDP_ITEMS = [
    (
        DEMO_EMPLOYEE,
        "POP-04",
        "on_the_job",
        "OJT di unit utilitas bersama operator senior: boiler, cooling water dan instrument air, 6 minggu.",
        10,
        APPROVED,
        "Setuju. Mulai setelah shift pagi minggu depan, koordinasi dengan Pak Eko.",
        "",
    ),
    (
        DEMO_EMPLOYEE,
        "MNT-06",
        "self_study",
        "Belajar RCFA sendiri.",
        8,
        REJECTED,
        "Terlalu umum. Sebutkan materi dan kasusnya, misalnya 5-why untuk trip pompa P-101 bulan lalu.",
        "",
    ),
    (
        DEMO_EMPLOYEE,
        "GSH-01",
        "training",
        "Ikut pelatihan JSA & risk assessment (IHT HSE, 2 hari) dan buat 3 JSA untuk pekerjaan rutin di area.",
        12,
        DRAFT,
        "",
        "",
    ),
    (
        "andi.saputra",
        "ENG-01",
        "training",
        "Pelatihan P&ID dan cause & effect chart unit amine (IHT, 3 hari), persiapan lisensi operator.",
        8,
        SUBMITTED,
        "",
        "",
    ),
    (
        "putri.maharani",
        "GSH-05",
        "on_the_job",
        "Ikut tim HSE menginvestigasi dua near miss di area produksi dan tulis laporan root cause-nya.",
        6,
        SUBMITTED,
        "",
        "",
    ),
    (
        "eko.prasetyo",
        "LDR-01",
        "mentoring",
        "Mentoring by the shift supervisor: lead the night shift twice a month and review each shift together.",
        16,
        IN_PROGRESS,
        "Bagus, ini persiapan untuk posisi shift supervisor.",
        "",
    ),
    (
        "eko.prasetyo",
        "LDR-03",
        "on_the_job",
        "Bimbing dua operator baru sampai checklist OJT Gas Treating mereka selesai.",
        4,
        COMPLETED,
        "Setuju.",
        "Checklist OJT Fajar dan Nur sudah ditandatangani shift supervisor (terlampir di logbook unit).",
    ),
    (
        "fitri.handayani",
        "POP-05",
        "training",
        "Lab & sampling training with the QC team: H2S, water dew point and hydrocarbon dew point analysis.",
        4,
        VERIFIED,
        "Setuju, jadwalkan dengan QC.",
        "Training certificate from the QC lab; ran 12 sample analyses on my own, checked by the lab analyst.",
    ),
    (
        "rizky.pratama",
        "POP-04",
        "training",
        "Boiler & steam system training (IHT), lalu OJT di utilitas dua minggu.",
        6,
        VERIFIED,
        "Setuju.",
        "Sertifikat IHT boiler dan checklist OJT utilitas yang ditandatangani shift supervisor.",
    ),
    (
        "joko.susilo",
        "LDR-01",
        "self_study",
        "Kursus online kepemimpinan tim (e-learning, 8 modul).",
        8,
        CANCELLED,
        "Diganti dengan mentoring langsung oleh shift supervisor, lebih praktis.",
        "",
    ),
    (
        DEMO_SUPERVISOR,
        "LDR-06",
        "training",
        "Cost awareness (IHT): the cost of downtime and energy on my unit, then one saving proposal for the shift.",
        12,
        IN_PROGRESS,
        "Setuju, sekalian untuk persiapan turnaround.",
        "",
    ),
    (
        "yusuf.maulana",
        "LDR-04",
        "training",
        "Planning & work organisation for managers: turnaround and shutdown planning (2-day course, Jakarta).",
        10,
        APPROVED,
        "Approved: budget available in the HC training plan.",
        "",
    ),
    (
        DEMO_HC,
        "LDR-03",
        "training",
        "Coaching skills for supervisors (IHT), lalu coaching dua shift supervisor HSE selama tiga bulan.",
        14,
        SUBMITTED,
        "",
        "",
    ),
    (
        "dedi.kurniawan",
        "MNT-05",
        "on_the_job",
        "Susun jadwal preventive maintenance kompresor K-201 di CMMS bersama planner.",
        6,
        COMPLETED,
        "Setuju.",
        "PM schedule K-201 sudah aktif di CMMS (WO template dan spare parts list), direview planner.",
    ),
]

# --- A self-assessment round ------------------------------------------------------------------
# HC's round for the Production section and, whatever their section, every Technician: opened
# a few days before the demo's present, its deadline ahead. Some people have rated every
# competency of their position since it opened, some only part of them, the others none yet (demo.employee
# rated themselves outside it: SELF_RATINGS below), so the completion page shows a partial picture.
SURVEY_ROUND = "Year-end self-assessment"
SURVEY_ROUND_SECTIONS = ["Production"]
SURVEY_ROUND_POSITIONS = [TECHNICIAN]
SURVEY_ROUND_OPENED_DAYS_BEFORE = 5  # before the demo's present
SURVEY_ROUND_DEADLINE_DAYS_AFTER = 12
SURVEY_ROUND_REMINDER_DAYS = 3
SURVEY_ROUND_RATED_ALL = [
    "yusuf.maulana",
    "hendra.gunawan",
    "eko.prasetyo",
    "fitri.handayani",
    "andi.saputra",
    "putri.maharani",
    "nur.aini",
    "arif.hidayat",
    "lina.marlina",
    "budi.santoso",
]
SURVEY_ROUND_RATED_HALF = ["joko.susilo", "rizky.pratama", "imam.syafii"]
# Self-rating = verified level + one of these (within 0–5): mostly close, now and then 2 above ("to discuss").
SURVEY_RATING_OFFSETS = [-1, 0, 0, 0, 1, 1, 2]

# demo.employee's self-assessment (surveys): code → self-rating, beside their verified levels.
# Most sit at or next to the verified level; three are 2 or more apart ("to discuss"):
# POP-04 and ENG-05 rated above what is verified, GSH-03 below it.
SELF_RATINGS = {
    DEMO_EMPLOYEE: {
        "GSH-01": 2, "GSH-02": 2, "GSH-03": 1, "GSH-04": 2, "GSH-05": 3, "GSH-06": 2,
        "POP-01": 3, "POP-02": 3, "POP-03": 2, "POP-04": 4, "POP-05": 4, "POP-06": 3,
        "ENG-01": 1, "ENG-02": 3, "ENG-03": 2, "ENG-04": 3, "ENG-05": 2, "ENG-06": 2,
        "LDR-05": 1, "LDR-06": 2, "MNT-02": 1, "MNT-05": 1, "MNT-06": 0,
    },
}  # fmt: skip

# demo.supervisor's own rating of one of demo.employee's competencies: (code, level, comment).
SUPERVISOR_RATINGS = {
    DEMO_EMPLOYEE: [
        (
            "POP-04",
            3,
            "Runs the utilities round well on day shift; not yet alone at night. Let us plan a night-shift "
            "rotation before the next assessment.",
        ),
    ],
}

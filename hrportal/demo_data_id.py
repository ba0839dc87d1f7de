"""The demo framework in Bahasa Indonesia, keyed by the English texts of hrportal/demo_data.py.

Written as an Indonesian oil-and-gas HR team would: the site's usual loanwords stay (start-up,
shutdown, DCS, LOTO, work order, coaching), the glossary's terms are kept (kompetensi,
kelompok keahlian, level, atasan). seed_demo writes these beside the English texts; a text
missing here would show in English.
"""

from typing import NamedTuple


class GroupText(NamedTuple):
    name: str
    description: str


class CompetencyText(NamedTuple):
    name: str
    definition: str
    topics: tuple[str, str, str]  # the syllabus topics, in the order of the English ones


POSITIONS = {
    "Section Head": "Kepala Seksi",
    "Sr Supervisor": "Supervisor Senior",
    "Shift Supervisor": "Supervisor Shift",
    "Senior Operator": "Operator Senior",
    "Operator": "Operator",
    "Technician": "Teknisi",
}

SKILL_GROUPS = {
    "General Safety & Health": GroupText(
        "Keselamatan & Kesehatan Kerja Umum",
        "Bekerja dengan aman di fasilitas pengolahan hidrokarbon serta melindungi manusia dan lingkungan.",
    ),
    "Process Operations": GroupText(
        "Operasi Proses",
        "Menjalankan unit pengolahan gas dengan aman, andal, dan sesuai spesifikasi.",
    ),
    "Maintenance & Reliability": GroupText(
        "Pemeliharaan & Keandalan",
        "Menjaga ketersediaan dan keandalan peralatan melalui praktik pemeliharaan yang baik.",
    ),
    "Technical Fundamentals": GroupText(
        "Dasar-Dasar Teknik",
        "Pengetahuan teknik yang mendasari operasi yang aman dan efisien.",
    ),
    "Leadership & Teamwork": GroupText(
        "Kepemimpinan & Kerja Sama Tim",
        "Memimpin orang dan shift, serta bekerja sama dengan baik.",
    ),
}

COMPETENCIES = {
    # General Safety & Health
    "Hazard Identification & Risk Assessment": CompetencyText(
        "Identifikasi Bahaya & Penilaian Risiko",
        "Mengidentifikasi bahaya di tempat kerja serta menilai dan mengendalikan risikonya sebelum pekerjaan dimulai.",
        ("analisis keselamatan kerja (JSA)", "matriks risiko", "hierarki pengendalian"),
    ),
    "Permit to Work": CompetencyText(
        "Izin Kerja",
        "Mengajukan, menerbitkan, dan menutup izin kerja serta isolasi sesuai sistem izin kerja di site.",
        ("jenis-jenis izin kerja", "isolasi energi dan LOTO", "uji gas"),
    ),
    "Emergency Response": CompetencyText(
        "Tanggap Darurat",
        "Bertindak dengan benar saat terjadi kebakaran, kebocoran gas, dan keadaan darurat medis, serta "
        "memimpin latihan keadaan darurat sesuai levelnya.",
        ("prosedur alarm dan titik kumpul", "peralatan pemadam kebakaran", "emergency shutdown (ESD)"),
    ),
    "Process Safety Management": CompetencyText(
        "Manajemen Keselamatan Proses",
        "Menerapkan prinsip keselamatan proses agar hidrokarbon tetap berada di dalam sistem dan barrier "
        "tetap efektif.",
        ("elemen kritis keselamatan (SCE)", "manajemen barrier", "analisis bahaya proses (PHA)"),
    ),
    "Incident Investigation": CompetencyText(
        "Investigasi Insiden",
        "Melaporkan dan menginvestigasi insiden serta kejadian nyaris celaka (near miss), lalu mengambil "
        "pelajaran darinya.",
        ("pelaporan insiden", "pengumpulan bukti", "teknik analisis akar masalah"),
    ),
    "Environmental Compliance": CompetencyText(
        "Kepatuhan Lingkungan",
        "Menjaga emisi, limbah cair, dan limbah padat tetap di dalam batas izin dan peraturan.",
        ("flaring dan emisi", "penanganan air terproduksi", "pemilahan limbah"),
    ),
    # Process Operations
    "Unit Start-up & Shutdown": CompetencyText(
        "Start-up & Shutdown Unit",
        "Melakukan start-up dan shutdown unit proses sesuai prosedur operasi.",
        ("pemeriksaan sebelum start-up", "purging dan pemberian tekanan", "shutdown normal dan darurat"),
    ),
    "DCS & Process Control": CompetencyText(
        "DCS & Pengendalian Proses",
        "Mengoperasikan plant dari distributed control system (DCS) dan menjaga loop kendali tetap stabil.",
        ("tampilan dan alarm DCS", "mode pengendali PID", "manajemen alarm"),
    ),
    "Gas Treating & Separation": CompetencyText(
        "Pengolahan & Pemisahan Gas",
        "Mengoperasikan separator, unit amine, dan unit dehidrasi agar gas memenuhi spesifikasi.",
        ("pengoperasian separator", "pemurnian gas dengan amine", "dehidrasi dengan glikol"),
    ),
    "Utilities Operation": CompetencyText(
        "Operasi Utilitas",
        "Mengoperasikan sistem uap, air pendingin, udara instrumen, dan nitrogen.",
        ("boiler dan uap", "pengolahan air pendingin", "udara instrumen dan nitrogen"),
    ),
    "Product Quality & Sampling": CompetencyText(
        "Mutu Produk & Pengambilan Sampel",
        "Mengambil sampel dan memantau produk, lalu menyesuaikan operasi agar produk tetap sesuai spesifikasi.",
        ("prosedur pengambilan sampel", "hasil laboratorium", "penanganan produk off-spec"),
    ),
    "Field Rounds & Equipment Monitoring": CompetencyText(
        "Patroli Lapangan & Pemantauan Peralatan",
        "Melakukan patroli lapangan, mengenali kondisi tidak normal sejak dini, dan melaporkannya.",
        ("lembar patroli", "pemeriksaan kebocoran dan getaran", "pelaporan kondisi tidak normal"),
    ),
    # Maintenance & Reliability
    "Rotating Equipment": CompetencyText(
        "Peralatan Berputar",
        "Memelihara pompa, kompresor, dan turbin serta mengenali mode kegagalannya.",
        ("pompa sentrifugal", "kompresor gas", "seal dan bantalan (bearing)"),
    ),
    "Static Equipment & Piping": CompetencyText(
        "Peralatan Statis & Perpipaan",
        "Memeriksa dan memelihara bejana, penukar panas, katup, dan perpipaan.",
        ("bejana tekan", "penukar panas (heat exchanger)", "flensa dan gasket"),
    ),
    "Instrumentation & Control Loops": CompetencyText(
        "Instrumentasi & Loop Kendali",
        "Mengkalibrasi serta mencari dan mengatasi gangguan pada instrumen lapangan dan loop kendali.",
        ("transmitter", "katup kendali (control valve)", "pengecekan loop"),
    ),
    "Electrical Systems": CompetencyText(
        "Sistem Kelistrikan",
        "Bekerja dengan aman pada sistem tegangan rendah dan menengah, motor listrik, dan switchgear.",
        ("isolasi listrik", "motor dan penggerak", "switchgear"),
    ),
    "Preventive Maintenance Planning": CompetencyText(
        "Perencanaan Pemeliharaan Preventif",
        "Merencanakan, menjadwalkan, dan mencatat pemeliharaan preventif di sistem pemeliharaan.",
        ("work order", "jadwal pemeliharaan", "suku cadang"),
    ),
    "Root Cause Failure Analysis": CompetencyText(
        "Analisis Akar Penyebab Kegagalan",
        "Menemukan akar penyebab kegagalan peralatan dan mencegahnya terulang.",
        ("data kegagalan", "5-why dan diagram tulang ikan", "tindakan perbaikan"),
    ),
    # Technical Fundamentals
    "P&ID and Drawing Reading": CompetencyText(
        "Membaca P&ID dan Gambar Teknik",
        "Membaca diagram alir proses (PFD), P&ID, dan cause & effect chart.",
        ("simbol dan legenda", "penomoran jalur dan tag", "cause & effect chart"),
    ),
    "Fluid Flow & Thermodynamics": CompetencyText(
        "Aliran Fluida & Termodinamika",
        "Menerapkan dasar-dasar tekanan, aliran, perilaku fasa, dan energi pada proses.",
        ("tekanan dan aliran", "diagram fasa (phase envelope)", "hidrat"),
    ),
    "Heat Transfer Equipment": CompetencyText(
        "Peralatan Perpindahan Panas",
        "Memahami dan memantau fired heater, penukar panas, dan pendingin udara.",
        ("fired heater", "fouling pada penukar panas", "pendingin udara (air cooler)"),
    ),
    "Mass Balance & Performance Monitoring": CompetencyText(
        "Neraca Massa & Pemantauan Kinerja",
        "Menyusun neraca unit hingga seimbang dan memantau indikator kinerja utama (KPI).",
        ("metering", "neraca material", "KPI unit"),
    ),
    "Management of Change": CompetencyText(
        "Manajemen Perubahan",
        "Mengenali perubahan dan memprosesnya melalui prosedur manajemen perubahan (MOC).",
        ("hal yang termasuk perubahan", "alur kerja MOC", "perubahan sementara"),
    ),
    "Operating Procedures": CompetencyText(
        "Prosedur Operasi",
        "Menyusun, meninjau, dan mematuhi prosedur operasi dan instruksi kerja.",
        ("struktur prosedur", "langkah kritis", "peninjauan prosedur"),
    ),
    # Leadership & Teamwork
    "Team Leadership": CompetencyText(
        "Kepemimpinan Tim",
        "Memberi arah kepada tim, membagi pekerjaan, dan menindaklanjutinya hingga tuntas.",
        ("gaya kepemimpinan", "pendelegasian", "umpan balik kinerja"),
    ),
    "Shift Handover & Communication": CompetencyText(
        "Serah Terima Shift & Komunikasi",
        "Melakukan serah terima shift secara lengkap dan berkomunikasi dengan jelas.",
        ("log serah terima", "serah terima lisan", "disiplin komunikasi radio"),
    ),
    "Coaching & Mentoring": CompetencyText(
        "Coaching & Mentoring",
        "Mengembangkan rekan kerja di tempat kerja melalui coaching dan mentoring.",
        ("coaching di tempat kerja", "memberi umpan balik", "daftar periksa kompetensi"),
    ),
    "Planning & Work Organisation": CompetencyText(
        "Perencanaan & Pengorganisasian Kerja",
        "Merencanakan pekerjaan sendiri dan tim serta menyeimbangkan prioritas.",
        ("perencanaan harian", "penentuan prioritas", "koordinasi dengan seksi lain"),
    ),
    "Decision Making & Problem Solving": CompetencyText(
        "Pengambilan Keputusan & Pemecahan Masalah",
        "Mengambil keputusan yang tepat di bawah tekanan dan memecahkan masalah secara sistematis.",
        ("perumusan masalah", "analisis pilihan", "pengambilan keputusan dalam ketidakpastian"),
    ),
    "Cost Awareness": CompetencyText(
        "Kesadaran Biaya",
        "Memahami biaya operasi dan pemeliharaan serta bertindak berdasarkan pemahaman tersebut.",
        ("anggaran operasi", "biaya downtime", "efisiensi energi"),
    ),
}

# Level descriptors, formatted with name (the competency's Indonesian name) and t0..t2 (its topics),
# as the English templates of demo_data are.
BEHAVIOUR_TEMPLATES = {
    1: "Menjelaskan istilah dasar kompetensi {name} serta melaksanakan tugas sederhana di bawah pengawasan ketat.",
    2: "Melaksanakan tugas rutin kompetensi {name} secara mandiri dan aman sesuai prosedur.",
    3: "Menangani situasi tidak rutin pada kompetensi {name}, mengatasi masalah, serta membimbing rekan yang lebih "
    "junior.",
    4: "Meningkatkan praktik kompetensi {name} di seluruh seksi dan menjadi rujukan bagi rekan kerja.",
    5: "Menetapkan standar kompetensi {name} di perusahaan serta membimbing para ahli lainnya.",
}
SYLLABUS_TEMPLATES = {
    1: "Pengenalan: {t0} serta {t1}; standar dan istilah yang berlaku di site.",
    2: "Penerapan praktis: {t1} serta {t2}; pemeriksaan rutin dan pencatatan.",
    3: "Penanganan masalah: kondisi tidak normal pada {t0} serta {t2}; studi kasus dari fasilitas.",
    4: "Optimalisasi: tinjauan kinerja, audit, dan perbaikan {t1}; coaching bagi rekan kerja.",
    5: "Strategi: benchmarking, pembelajaran dari site lain, dan standar untuk {t0}.",
}
DELIVERABLE_TEMPLATES = {
    1: "Daftar periksa on-the-job kompetensi {name} yang ditandatangani atasan.",
    2: "Logbook sepuluh tugas kompetensi {name} yang dikerjakan secara mandiri dan diverifikasi atasan.",
    3: "Laporan penanganan masalah atas satu kasus tidak normal pada kompetensi {name}, ditinjau oleh Kepala Seksi.",
    4: "Usulan perbaikan untuk kompetensi {name} yang disetujui Kepala Seksi.",
    5: "Revisi standar site atau modul pelatihan untuk kompetensi {name}.",
}


def descriptor_texts(competency: CompetencyText, level: int) -> tuple[str, str, str]:
    """(behaviour indicators, syllabus, deliverable) of `competency` at `level`, in Indonesian."""
    words = {
        "name": competency.name,
        "t0": competency.topics[0],
        "t1": competency.topics[1],
        "t2": competency.topics[2],
    }
    return (
        BEHAVIOUR_TEMPLATES[level].format(**words),
        SYLLABUS_TEMPLATES[level].format(**words),
        DELIVERABLE_TEMPLATES[level].format(**words),
    )

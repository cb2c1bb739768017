"""A synthetic multilingual partner drop of job posts for ``isco-demo`` and the end-to-end tests.

The posts look like real scraped ads (noisy titles, HTML, contact details, re-posts, broken rows) so the
whole pipeline — reading, quarantine, masking, dedup, coding and novelty detection — has something to do,
without any external data or network access. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

COLUMNS: tuple[str, ...] = (
    "post_id", "job_title", "job_desc", "company", "country", "language", "posted_at", "url",
)
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "it", "ms")

EMERGING_SHARE = 0.12  # of the unique posts; each emerging occupation gets an equal share
DUPLICATE_SHARE = 0.03  # exact re-posts (same title, description, company, country; new post_id)


@dataclass(frozen=True)
class _Occupation:
    name: str
    titles: Mapping[str, tuple[str, ...]]  # language -> title variants
    tasks: Mapping[str, tuple[str, ...]]  # language -> task phrases (verb phrases in the infinitive)


def _occ(name: str, **langs: tuple[str, str]) -> _Occupation:
    """Compact spec: each language gives ("title|title", "task|task")."""
    return _Occupation(
        name,
        {lang: tuple(titles.split("|")) for lang, (titles, _) in langs.items()},
        {lang: tuple(tasks.split("|")) for lang, (_, tasks) in langs.items()},
    )


# Ordinary occupations: ISCO-08 clearly covers them, so they should be coded, not flagged as novel.
_ORDINARY: tuple[_Occupation, ...] = (
    _occ(
        "registered nurse",
        en=("Registered Nurse|Staff Nurse", "care for patients and administer medication|"
            "monitor vital signs and keep patient records up to date"),
        es=("Enfermero/a|Enfermera|Enfermero", "cuidar a los pacientes y administrar medicación|"
            "controlar los signos vitales y actualizar las historias clínicas"),
        pt=("Enfermeiro/a|Enfermeira|Enfermeiro", "cuidar dos pacientes e administrar medicação|"
            "monitorizar sinais vitais e atualizar os prontuários"),
        it=("Infermiere|Infermiera|Infermiere professionale", "assistere i pazienti e somministrare i farmaci|"
            "monitorare i parametri vitali e aggiornare le cartelle cliniche"),
        ms=("Jururawat|Jururawat Berdaftar", "menjaga pesakit dan memberi ubat|"
            "memantau tanda vital dan mengemas kini rekod pesakit"),
    ),
    _occ(
        "software developer",
        en=("Software Developer|Software Engineer|Backend Developer", "design, write and test application code|"
            "maintain web services and fix bugs"),
        es=("Desarrollador de software|Desarrollador/a backend|Programador/a", "diseñar, programar y probar "
            "aplicaciones|mantener servicios web y corregir errores"),
        pt=("Desenvolvedor de software|Programador(a)|Desenvolvedor backend", "projetar, programar e testar "
            "aplicações|manter serviços web e corrigir falhas"),
        it=("Sviluppatore software|Programmatore|Sviluppatore backend", "progettare, sviluppare e testare "
            "applicazioni|mantenere servizi web e correggere bug"),
        ms=("Pembangun Perisian|Pengaturcara|Jurutera Perisian", "mereka bentuk, menulis dan menguji kod "
            "aplikasi|menyelenggara perkhidmatan web dan membaiki pepijat"),
    ),
    _occ(
        "accountant",
        en=("Accountant|Staff Accountant|Chartered Accountant", "prepare financial statements and reconcile "
            "accounts|manage tax returns and the month-end close"),
        es=("Contador/a|Contable|Contador público", "preparar estados financieros y conciliar cuentas|"
            "gestionar declaraciones de impuestos y el cierre mensual"),
        pt=("Contador(a)|Contabilista|Analista contábil", "preparar demonstrações financeiras e conciliar contas|"
            "gerir declarações fiscais e o fecho mensal"),
        it=("Contabile|Ragioniere|Impiegato contabile", "redigere il bilancio e riconciliare i conti|"
            "gestire le dichiarazioni fiscali e la chiusura mensile"),
        ms=("Akauntan|Eksekutif Akaun", "menyediakan penyata kewangan dan menyelaras akaun|"
            "menguruskan penyata cukai dan penutupan akaun bulanan"),
    ),
    _occ(
        "truck driver",
        en=("Truck Driver|HGV Driver|CDL Class A Driver", "transport goods safely between depots|"
            "load and unload freight and complete delivery logs"),
        es=("Conductor de camión|Chofer de camión|Camionero", "transportar mercancías de forma segura entre "
            "almacenes|cargar y descargar mercancía y completar las hojas de ruta"),
        pt=("Motorista de caminhão|Motorista de camião|Camionista", "transportar mercadorias com segurança entre "
            "armazéns|carregar e descarregar cargas e preencher os registos de entrega"),
        it=("Autista di camion|Camionista|Autista patente C", "trasportare merci in sicurezza tra i magazzini|"
            "caricare e scaricare merci e compilare i documenti di trasporto"),
        ms=("Pemandu Lori|Pemandu Trak", "mengangkut barang dengan selamat antara depoh|"
            "memunggah barang dan melengkapkan log penghantaran"),
    ),
    _occ(
        "cook",
        en=("Cook|Line Cook|Chef de Partie", "prepare dishes according to the menu|"
            "keep the kitchen clean and follow food safety rules"),
        es=("Cocinero/a|Ayudante de cocina|Cocinero", "preparar platos según el menú|"
            "mantener la cocina limpia y cumplir las normas de higiene"),
        pt=("Cozinheiro(a)|Ajudante de cozinha|Cozinheiro", "preparar pratos de acordo com o menu|"
            "manter a cozinha limpa e cumprir as normas de higiene"),
        it=("Cuoco|Aiuto cuoco|Chef de partie", "preparare i piatti secondo il menù|"
            "mantenere pulita la cucina e rispettare le norme HACCP"),
        ms=("Tukang Masak|Pembantu Dapur", "menyediakan hidangan mengikut menu|"
            "memastikan dapur bersih dan mematuhi peraturan keselamatan makanan"),
    ),
    _occ(
        "electrician",
        en=("Electrician|Maintenance Electrician|Journeyman Electrician", "install and repair electrical wiring|"
            "inspect circuits and ensure compliance with safety codes"),
        es=("Electricista|Técnico electricista", "instalar y reparar cableado eléctrico|"
            "revisar circuitos y garantizar el cumplimiento de la normativa"),
        pt=("Eletricista|Eletricista predial", "instalar e reparar instalações elétricas|"
            "inspecionar circuitos e garantir o cumprimento das normas de segurança"),
        it=("Elettricista|Elettricista industriale", "installare e riparare impianti elettrici|"
            "verificare i circuiti e garantire il rispetto delle norme di sicurezza"),
        ms=("Juruelektrik|Pendawai Elektrik", "memasang dan membaiki pendawaian elektrik|"
            "memeriksa litar dan memastikan pematuhan peraturan keselamatan"),
    ),
    _occ(
        "sales representative",
        en=("Sales Representative|Sales Executive|Field Sales Representative", "find new customers and close "
            "sales|visit clients and meet monthly sales targets"),
        es=("Representante de ventas|Ejecutivo/a comercial|Vendedor/a", "captar nuevos clientes y cerrar ventas|"
            "visitar clientes y cumplir los objetivos de ventas mensuales"),
        pt=("Representante comercial|Vendedor(a) externo|Executivo de vendas", "captar novos clientes e fechar "
            "vendas|visitar clientes e cumprir as metas mensais de vendas"),
        it=("Agente di commercio|Rappresentante commerciale|Venditore", "acquisire nuovi clienti e concludere "
            "vendite|visitare i clienti e raggiungere gli obiettivi di vendita mensili"),
        ms=("Wakil Jualan|Eksekutif Jualan", "mencari pelanggan baharu dan menutup jualan|"
            "melawat pelanggan dan mencapai sasaran jualan bulanan"),
    ),
    _occ(
        "primary school teacher",
        en=("Primary School Teacher|Elementary School Teacher|Teacher", "plan lessons and teach pupils aged 6 to "
            "11|assess student progress and meet with parents"),
        es=("Maestro/a de primaria|Profesor/a de educación primaria", "planificar las clases y enseñar a alumnos "
            "de 6 a 12 años|evaluar el progreso de los alumnos y reunirse con las familias"),
        pt=("Professor(a) do ensino fundamental|Professor primário", "planejar aulas e ensinar alunos dos 6 aos "
            "10 anos|avaliar o progresso dos alunos e reunir com os pais"),
        it=("Insegnante di scuola primaria|Maestra elementare", "programmare le lezioni e insegnare ad alunni "
            "dai 6 agli 11 anni|valutare i progressi degli alunni e incontrare le famiglie"),
        ms=("Guru Sekolah Rendah|Guru", "merancang pelajaran dan mengajar murid berumur 7 hingga 12 tahun|"
            "menilai kemajuan murid dan berjumpa ibu bapa"),
    ),
    _occ(
        "waiter",
        en=("Waiter|Waitress|Server", "take orders and serve food and drinks|welcome guests and keep tables clean"),
        es=("Camarero/a|Mesero/a|Camarero", "tomar comandas y servir comidas y bebidas|"
            "recibir a los clientes y mantener las mesas limpias"),
        pt=("Garçom|Empregado de mesa|Garçonete", "anotar pedidos e servir comidas e bebidas|"
            "receber os clientes e manter as mesas limpas"),
        it=("Cameriere|Cameriera di sala|Cameriere di sala", "prendere le ordinazioni e servire cibi e bevande|"
            "accogliere i clienti e riordinare i tavoli"),
        ms=("Pelayan|Pelayan Restoran", "mengambil pesanan dan menghidang makanan serta minuman|"
            "menyambut pelanggan dan memastikan meja bersih"),
    ),
    _occ(
        "cashier",
        en=("Cashier|Store Cashier|Checkout Operator", "handle cash and card payments|"
            "scan items and help customers at the checkout"),
        es=("Cajero/a|Cajero de supermercado", "gestionar cobros en efectivo y con tarjeta|"
            "escanear productos y atender a los clientes en caja"),
        pt=("Operador(a) de caixa|Caixa de supermercado", "receber pagamentos em dinheiro e cartão|"
            "registrar produtos e atender os clientes no caixa"),
        it=("Cassiere|Cassiera|Addetto cassa", "gestire i pagamenti in contanti e con carta|"
            "battere gli articoli e assistere i clienti alla cassa"),
        ms=("Juruwang|Juruwang Pasar Raya", "mengendalikan bayaran tunai dan kad|"
            "mengimbas barangan dan membantu pelanggan di kaunter"),
    ),
    _occ(
        "cleaner",
        en=("Cleaner|Office Cleaner|Janitor", "clean offices, floors and washrooms|"
            "empty bins and restock cleaning supplies"),
        es=("Limpiador/a|Personal de limpieza|Auxiliar de limpieza", "limpiar oficinas, suelos y baños|"
            "vaciar papeleras y reponer material de limpieza"),
        pt=("Auxiliar de limpeza|Faxineiro(a)|Empregado de limpeza", "limpar escritórios, pisos e casas de banho|"
            "esvaziar lixeiras e repor materiais de limpeza"),
        it=("Addetto alle pulizie|Addetta pulizie", "pulire uffici, pavimenti e bagni|"
            "svuotare i cestini e rifornire i materiali di pulizia"),
        ms=("Pencuci|Pekerja Pembersihan|Tukang Cuci Pejabat", "membersihkan pejabat, lantai dan tandas|"
            "mengosongkan tong sampah dan menambah bekalan pembersihan"),
    ),
    _occ(
        "car mechanic",
        en=("Auto Mechanic|Motor Vehicle Technician|Car Mechanic", "diagnose engine faults and repair vehicles|"
            "carry out routine servicing and brake repairs"),
        es=("Mecánico automotriz|Mecánico de automóviles", "diagnosticar averías de motor y reparar vehículos|"
            "realizar mantenimientos periódicos y reparar frenos"),
        pt=("Mecânico automotivo|Mecânico de automóveis", "diagnosticar avarias no motor e reparar veículos|"
            "realizar revisões periódicas e reparar travões"),
        it=("Meccanico auto|Autoriparatore|Meccanico d'auto", "diagnosticare guasti al motore e riparare veicoli|"
            "eseguire tagliandi e riparazioni ai freni"),
        ms=("Mekanik Kereta|Mekanik Automotif", "mengesan kerosakan enjin dan membaiki kenderaan|"
            "melakukan servis berkala dan membaiki brek"),
    ),
    _occ(
        "pharmacist",
        en=("Pharmacist|Community Pharmacist|Clinical Pharmacist", "dispense prescriptions and advise patients on "
            "medicines|check drug interactions and manage pharmacy stock"),
        es=("Farmacéutico/a|Químico farmacéutico", "dispensar recetas y asesorar a los pacientes sobre "
            "medicamentos|revisar interacciones y gestionar el stock de la farmacia"),
        pt=("Farmacêutico(a)|Farmacêutico responsável", "dispensar receitas e orientar os pacientes sobre "
            "medicamentos|verificar interações medicamentosas e gerir o estoque da farmácia"),
        it=("Farmacista|Farmacista collaboratore", "dispensare farmaci e consigliare i pazienti|"
            "controllare le interazioni e gestire le scorte della farmacia"),
        ms=("Ahli Farmasi|Pegawai Farmasi", "mendispens preskripsi dan menasihati pesakit tentang ubat|"
            "menyemak interaksi ubat dan menguruskan stok farmasi"),
    ),
    _occ(
        "civil engineer",
        en=("Civil Engineer|Structural Engineer|Site Engineer", "design roads, bridges and buildings|"
            "supervise construction sites and check structural plans"),
        es=("Ingeniero/a civil|Ingeniero de obra", "diseñar carreteras, puentes y edificios|"
            "supervisar obras y revisar planos estructurales"),
        pt=("Engenheiro(a) civil|Engenheiro de obras", "projetar estradas, pontes e edifícios|"
            "supervisionar obras e verificar projetos estruturais"),
        it=("Ingegnere civile|Ingegnere strutturista", "progettare strade, ponti ed edifici|"
            "dirigere i cantieri e verificare i calcoli strutturali"),
        ms=("Jurutera Awam|Jurutera Tapak", "mereka bentuk jalan, jambatan dan bangunan|"
            "menyelia tapak pembinaan dan menyemak pelan struktur"),
    ),
    _occ(
        "receptionist",
        en=("Receptionist|Front Desk Receptionist|Front Office Agent", "greet visitors and answer phone calls|"
            "manage bookings and handle check-in and check-out"),
        es=("Recepcionista|Recepcionista de hotel", "atender a los visitantes y responder llamadas|"
            "gestionar reservas y realizar check-in y check-out"),
        pt=("Recepcionista|Rececionista", "receber visitantes e atender chamadas|"
            "gerir reservas e fazer check-in e check-out"),
        it=("Receptionist|Addetto al ricevimento|Receptionist d'albergo", "accogliere gli ospiti e rispondere al "
            "telefono|gestire le prenotazioni e le procedure di check-in e check-out"),
        ms=("Penyambut Tetamu|Kerani Kaunter", "menyambut pelawat dan menjawab panggilan telefon|"
            "menguruskan tempahan dan daftar masuk serta daftar keluar"),
    ),
    _occ(
        "security guard",
        en=("Security Guard|Security Officer|Security Patrol Officer", "patrol the premises and monitor CCTV|"
            "control access and write incident reports"),
        es=("Vigilante de seguridad|Guardia de seguridad", "patrullar las instalaciones y vigilar las cámaras|"
            "controlar los accesos y redactar informes de incidencias"),
        pt=("Vigilante|Segurança patrimonial", "fazer rondas nas instalações e monitorar câmeras|"
            "controlar acessos e redigir relatórios de ocorrências"),
        it=("Guardia giurata|Addetto alla vigilanza", "pattugliare la struttura e monitorare le telecamere|"
            "controllare gli accessi e redigere rapporti sugli incidenti"),
        ms=("Pengawal Keselamatan|Pengawal Keselamatan Bersenjata", "meronda premis dan memantau CCTV|"
            "mengawal akses dan menulis laporan insiden"),
    ),
    _occ(
        "warehouse worker",
        en=("Warehouse Worker|Warehouse Associate|Picker Packer", "pick, pack and ship customer orders|"
            "receive deliveries and keep stock records accurate"),
        es=("Mozo/a de almacén|Operario de almacén", "preparar, embalar y enviar pedidos|"
            "recibir mercancía y mantener el inventario actualizado"),
        pt=("Auxiliar de armazém|Operador de armazém|Estoquista", "separar, embalar e expedir pedidos|"
            "receber mercadorias e manter o inventário atualizado"),
        it=("Magazziniere|Addetto al magazzino", "preparare, imballare e spedire ordini|"
            "ricevere la merce e tenere aggiornato l'inventario"),
        ms=("Pekerja Gudang|Pembantu Stor", "memilih, membungkus dan menghantar pesanan|"
            "menerima barangan dan memastikan rekod stok tepat"),
    ),
    _occ(
        "forklift operator",
        en=("Forklift Operator|Forklift Driver|Reach Truck Operator", "move pallets with a forklift|"
            "load trucks and keep the warehouse aisles clear"),
        es=("Operador/a de montacargas|Carretillero/a", "mover palés con la carretilla elevadora|"
            "cargar camiones y mantener los pasillos despejados"),
        pt=("Operador de empilhadeira|Operador de empilhador", "movimentar paletes com a empilhadeira|"
            "carregar caminhões e manter os corredores livres"),
        it=("Carrellista|Mulettista", "movimentare bancali con il muletto|"
            "caricare i camion e tenere sgombre le corsie"),
        ms=("Operator Forklift|Pemandu Forklift", "memindahkan palet menggunakan forklift|"
            "memuatkan lori dan memastikan lorong gudang bebas halangan"),
    ),
    _occ(
        "customer service representative",
        en=("Customer Service Representative|Call Centre Agent|Customer Support Agent", "answer customer calls "
            "and emails|resolve complaints and log tickets in the CRM"),
        es=("Agente de atención al cliente|Teleoperador/a", "atender llamadas y correos de clientes|"
            "resolver reclamaciones y registrar incidencias en el CRM"),
        pt=("Atendente de call center|Operador(a) de telemarketing|Assistente de atendimento ao cliente",
            "atender chamadas e e-mails de clientes|resolver reclamações e registrar chamados no CRM"),
        it=("Operatore call center|Addetto al servizio clienti", "rispondere a chiamate ed e-mail dei clienti|"
            "gestire i reclami e registrare le richieste nel CRM"),
        ms=("Wakil Khidmat Pelanggan|Ejen Pusat Panggilan", "menjawab panggilan dan e-mel pelanggan|"
            "menyelesaikan aduan dan merekod tiket dalam CRM"),
    ),
    _occ(
        "administrative assistant",
        en=("Administrative Assistant|Office Administrator|Admin Assistant", "handle filing, scheduling and data "
            "entry|support managers with correspondence and travel bookings"),
        es=("Auxiliar administrativo/a|Administrativo/a", "gestionar archivo, agendas y entrada de datos|"
            "apoyar a la dirección con la correspondencia y los viajes"),
        pt=("Assistente administrativo|Auxiliar administrativo", "organizar arquivos, agendas e lançamento de "
            "dados|apoiar a gerência com correspondência e viagens"),
        it=("Impiegato amministrativo|Assistente amministrativo", "gestire archivio, agenda e inserimento dati|"
            "supportare la direzione con corrispondenza e trasferte"),
        ms=("Pembantu Tadbir|Kerani Am", "menguruskan fail, jadual dan kemasukan data|"
            "membantu pengurus dengan surat-menyurat dan tempahan perjalanan"),
    ),
    _occ(
        "plumber",
        en=("Plumber|Plumbing Technician", "install and repair pipes and fixtures|"
            "fix leaks and maintain heating systems"),
        es=("Fontanero/a|Plomero", "instalar y reparar tuberías y sanitarios|"
            "reparar fugas y mantener sistemas de calefacción"),
        pt=("Encanador|Canalizador", "instalar e reparar tubulações e louças sanitárias|"
            "consertar vazamentos e manter sistemas de aquecimento"),
        it=("Idraulico|Tecnico idraulico", "installare e riparare tubature e sanitari|"
            "riparare perdite e manutenere impianti di riscaldamento"),
        ms=("Tukang Paip|Juruteknik Paip", "memasang dan membaiki paip dan kelengkapan|"
            "membaiki kebocoran dan menyelenggara sistem pemanas air"),
    ),
    _occ(
        "carpenter",
        en=("Carpenter|Joiner|Finish Carpenter", "build and install wooden structures|"
            "read drawings and cut timber to size"),
        es=("Carpintero/a|Carpintero de obra", "construir e instalar estructuras de madera|"
            "interpretar planos y cortar madera a medida"),
        pt=("Carpinteiro|Marceneiro", "construir e instalar estruturas de madeira|"
            "ler desenhos técnicos e cortar madeira à medida"),
        it=("Falegname|Carpentiere", "costruire e montare strutture in legno|"
            "leggere disegni tecnici e tagliare il legno su misura"),
        ms=("Tukang Kayu|Tukang Kayu Binaan", "membina dan memasang struktur kayu|"
            "membaca lukisan dan memotong kayu mengikut ukuran"),
    ),
    _occ(
        "hairdresser",
        en=("Hairdresser|Hair Stylist|Barber", "cut, colour and style hair|advise clients on hair care products"),
        es=("Peluquero/a|Estilista", "cortar, teñir y peinar el cabello|"
            "asesorar a los clientes sobre productos capilares"),
        pt=("Cabeleireiro(a)|Barbeiro", "cortar, pintar e pentear cabelos|"
            "aconselhar os clientes sobre produtos para o cabelo"),
        it=("Parrucchiere|Parrucchiera|Barbiere", "tagliare, colorare e acconciare i capelli|"
            "consigliare ai clienti i prodotti per la cura dei capelli"),
        ms=("Pendandan Rambut|Tukang Gunting Rambut", "memotong, mewarna dan menggaya rambut|"
            "menasihati pelanggan tentang produk penjagaan rambut"),
    ),
    _occ(
        "general practitioner",
        en=("General Practitioner|Medical Doctor|Physician", "examine patients and diagnose illnesses|"
            "prescribe treatment and refer patients to specialists"),
        es=("Médico/a general|Médico de familia", "examinar a los pacientes y diagnosticar enfermedades|"
            "prescribir tratamientos y derivar a especialistas"),
        pt=("Médico(a) clínico geral|Médico de família", "examinar pacientes e diagnosticar doenças|"
            "prescrever tratamentos e encaminhar para especialistas"),
        it=("Medico di base|Medico generico", "visitare i pazienti e diagnosticare le malattie|"
            "prescrivere terapie e indirizzare agli specialisti"),
        ms=("Doktor Perubatan|Pegawai Perubatan", "memeriksa pesakit dan mendiagnosis penyakit|"
            "menetapkan rawatan dan merujuk pesakit kepada pakar"),
    ),
    _occ(
        "dentist",
        en=("Dentist|Dental Surgeon|Associate Dentist", "examine teeth and treat dental problems|"
            "perform fillings, extractions and cleanings"),
        es=("Odontólogo/a|Dentista", "revisar la dentadura y tratar problemas dentales|"
            "realizar empastes, extracciones y limpiezas"),
        pt=("Dentista|Cirurgião-dentista", "examinar dentes e tratar problemas dentários|"
            "realizar restaurações, extrações e limpezas"),
        it=("Dentista|Odontoiatra", "visitare i pazienti e curare problemi dentali|"
            "eseguire otturazioni, estrazioni e igiene orale"),
        ms=("Doktor Gigi|Pegawai Pergigian", "memeriksa gigi dan merawat masalah pergigian|"
            "melakukan tampalan, cabutan dan pembersihan gigi"),
    ),
    _occ(
        "care worker",
        en=("Care Assistant|Home Care Worker|Caregiver", "help elderly clients with daily living activities|"
            "assist with meals, hygiene and mobility"),
        es=("Cuidador/a de personas mayores|Gerocultor/a", "ayudar a personas mayores en las actividades "
            "diarias|asistir en la comida, la higiene y la movilidad"),
        pt=("Cuidador(a) de idosos|Cuidadora de idosos", "ajudar idosos nas atividades do dia a dia|"
            "auxiliar na alimentação, higiene e mobilidade"),
        it=("Operatore socio-sanitario|Badante|OSS", "assistere gli anziani nelle attività quotidiane|"
            "aiutare nei pasti, nell'igiene e nella mobilità"),
        ms=("Penjaga Warga Emas|Pembantu Penjagaan", "membantu warga emas dalam aktiviti harian|"
            "membantu dalam makan, kebersihan dan pergerakan"),
    ),
    _occ(
        "marketing manager",
        en=("Marketing Manager|Brand Manager|Head of Marketing", "plan campaigns and manage the marketing budget|"
            "analyse market trends and coordinate agencies"),
        es=("Gerente de marketing|Responsable de marketing", "planificar campañas y gestionar el presupuesto de "
            "marketing|analizar tendencias del mercado y coordinar agencias"),
        pt=("Gerente de marketing|Coordenador(a) de marketing", "planejar campanhas e gerir o orçamento de "
            "marketing|analisar tendências de mercado e coordenar agências"),
        it=("Responsabile marketing|Marketing manager", "pianificare campagne e gestire il budget marketing|"
            "analizzare i trend di mercato e coordinare le agenzie"),
        ms=("Pengurus Pemasaran|Pengurus Jenama", "merancang kempen dan mengurus bajet pemasaran|"
            "menganalisis trend pasaran dan menyelaras agensi"),
    ),
    _occ(
        "graphic designer",
        en=("Graphic Designer|Visual Designer", "create layouts for print and digital media|"
            "design logos, brochures and banners"),
        es=("Diseñador/a gráfico/a|Diseñador gráfico", "crear maquetaciones para medios impresos y digitales|"
            "diseñar logotipos, folletos y banners"),
        pt=("Designer gráfico|Designer gráfica", "criar layouts para mídia impressa e digital|"
            "desenvolver logotipos, folhetos e banners"),
        it=("Grafico|Graphic designer", "realizzare impaginati per stampa e web|progettare loghi, brochure e banner"),
        ms=("Pereka Grafik|Pereka Grafik Kanan", "mencipta susun atur untuk media cetak dan digital|"
            "mereka bentuk logo, risalah dan sepanduk"),
    ),
    _occ(
        "human resources officer",
        en=("HR Officer|Human Resources Generalist|HR Specialist", "manage recruitment and onboarding|"
            "administer payroll records and employee relations"),
        es=("Técnico/a de recursos humanos|Analista de RRHH", "gestionar la selección y la incorporación de "
            "personal|administrar nóminas y relaciones laborales"),
        pt=("Analista de recursos humanos|Analista de RH", "conduzir recrutamento e integração de colaboradores|"
            "administrar folha de pagamento e relações trabalhistas"),
        it=("Addetto risorse umane|HR specialist", "gestire selezione e inserimento del personale|"
            "amministrare le buste paga e le relazioni sindacali"),
        ms=("Pegawai Sumber Manusia|Eksekutif HR", "menguruskan pengambilan dan orientasi pekerja|"
            "mentadbir rekod gaji dan hubungan pekerja"),
    ),
    _occ(
        "data analyst",
        en=("Data Analyst|Business Intelligence Analyst|BI Analyst", "build dashboards and reports from company "
            "data|clean data and analyse trends with SQL"),
        es=("Analista de datos|Analista BI", "crear cuadros de mando e informes|"
            "limpiar datos y analizar tendencias con SQL"),
        pt=("Analista de dados|Analista de BI", "criar dashboards e relatórios|"
            "tratar dados e analisar tendências com SQL"),
        it=("Analista dati|Data analyst", "creare dashboard e report aziendali|"
            "pulire i dati e analizzare i trend con SQL"),
        ms=("Penganalisis Data|Analis Data", "membina papan pemuka dan laporan|"
            "membersihkan data dan menganalisis trend dengan SQL"),
    ),
    _occ(
        "project manager",
        en=("Project Manager|IT Project Manager|Construction Project Manager", "plan project scope, budget and "
            "timelines|coordinate teams and report progress to stakeholders"),
        es=("Jefe/a de proyecto|Gerente de proyectos", "planificar alcance, presupuesto y plazos del proyecto|"
            "coordinar equipos e informar del avance"),
        pt=("Gerente de projetos|Gestor de projetos", "planejar escopo, orçamento e prazos do projeto|"
            "coordenar equipes e reportar o andamento"),
        it=("Project manager|Responsabile di progetto", "pianificare ambito, budget e tempi del progetto|"
            "coordinare i team e riferire sull'avanzamento"),
        ms=("Pengurus Projek", "merancang skop, bajet dan jadual projek|menyelaras pasukan dan melaporkan kemajuan"),
    ),
    _occ(
        "bus driver",
        en=("Bus Driver|Coach Driver", "drive scheduled bus routes safely|help passengers and check tickets"),
        es=("Conductor/a de autobús|Chofer de colectivo", "conducir rutas de autobús con seguridad|"
            "atender a los pasajeros y validar billetes"),
        pt=("Motorista de ônibus|Motorista de autocarro", "conduzir linhas de ônibus com segurança|"
            "ajudar os passageiros e validar bilhetes"),
        it=("Autista di autobus|Autista bus", "guidare le linee di autobus in sicurezza|"
            "assistere i passeggeri e controllare i biglietti"),
        ms=("Pemandu Bas|Pemandu Bas Ekspres", "memandu bas mengikut laluan berjadual dengan selamat|"
            "membantu penumpang dan memeriksa tiket"),
    ),
    _occ(
        "courier",
        en=("Delivery Driver|Courier|Van Driver", "deliver parcels to customers on time|"
            "plan delivery routes and collect signatures"),
        es=("Repartidor/a|Mensajero/a", "entregar paquetes a los clientes a tiempo|"
            "planificar rutas de reparto y recoger firmas"),
        pt=("Entregador(a)|Motoboy|Estafeta", "entregar encomendas aos clientes no prazo|"
            "planejar rotas de entrega e recolher assinaturas"),
        it=("Corriere|Autista consegne|Fattorino", "consegnare i pacchi ai clienti nei tempi previsti|"
            "pianificare i giri di consegna e raccogliere le firme"),
        ms=("Penghantar Barang|Rider Penghantaran|Kurier", "menghantar bungkusan kepada pelanggan tepat pada "
            "masanya|merancang laluan penghantaran dan mendapatkan tandatangan"),
    ),
    _occ(
        "welder",
        en=("Welder|MIG Welder|Welder Fabricator", "weld steel parts according to drawings|"
            "inspect welds and maintain welding equipment"),
        es=("Soldador/a|Soldador TIG", "soldar piezas de acero según planos|"
            "inspeccionar soldaduras y mantener el equipo"),
        pt=("Soldador|Soldador MIG", "soldar peças de aço conforme desenhos|"
            "inspecionar soldas e manter os equipamentos"),
        it=("Saldatore|Saldatore TIG", "saldare componenti in acciaio secondo disegno|"
            "controllare le saldature e manutenere l'attrezzatura"),
        ms=("Pengimpal|Juruteknik Kimpalan", "mengimpal komponen keluli mengikut lukisan|"
            "memeriksa kimpalan dan menyelenggara peralatan"),
    ),
    _occ(
        "machine operator",
        en=("Machine Operator|CNC Operator|Production Operator", "set up and run production machines|"
            "check product quality and record output"),
        es=("Operario/a de producción|Operador de máquinas CNC", "preparar y manejar máquinas de producción|"
            "controlar la calidad del producto y registrar la producción"),
        pt=("Operador de máquinas|Operador de produção", "preparar e operar máquinas de produção|"
            "verificar a qualidade e registrar a produção"),
        it=("Operaio di produzione|Operatore macchine CNC", "attrezzare e condurre le macchine di produzione|"
            "controllare la qualità e registrare la produzione"),
        ms=("Operator Pengeluaran|Operator Mesin", "menyediakan dan mengendalikan mesin pengeluaran|"
            "memeriksa kualiti produk dan merekod pengeluaran"),
    ),
    _occ(
        "lawyer",
        en=("Lawyer|Solicitor|Attorney", "advise clients on legal matters|"
            "draft contracts and represent clients in court"),
        es=("Abogado/a|Asesor/a jurídico/a", "asesorar a clientes en asuntos legales|"
            "redactar contratos y representar a clientes ante los tribunales"),
        pt=("Advogado(a)|Advogado trabalhista", "assessorar clientes em questões jurídicas|"
            "redigir contratos e representar clientes em tribunal"),
        it=("Avvocato|Avvocato civilista", "assistere i clienti in questioni legali|"
            "redigere contratti e rappresentare i clienti in giudizio"),
        ms=("Peguam|Peguam Bela dan Peguam Cara", "menasihati pelanggan tentang hal perundangan|"
            "menggubal kontrak dan mewakili pelanggan di mahkamah"),
    ),
    _occ(
        "bank teller",
        en=("Bank Teller|Personal Banker", "process deposits and withdrawals|open accounts and explain banking "
            "products"),
        es=("Cajero/a bancario/a|Gestor/a de banca", "procesar depósitos y retiradas de efectivo|"
            "abrir cuentas y explicar productos bancarios"),
        pt=("Caixa bancário|Escriturário bancário", "processar depósitos e saques|"
            "abrir contas e apresentar produtos bancários"),
        it=("Cassiere di banca|Operatore di sportello bancario", "gestire versamenti e prelievi allo sportello|"
            "aprire conti e illustrare i prodotti bancari"),
        ms=("Juruwang Bank|Pegawai Perbankan", "memproses deposit dan pengeluaran wang|"
            "membuka akaun dan menerangkan produk perbankan"),
    ),
    _occ(
        "farm worker",
        en=("Farm Worker|Agricultural Worker|Farmhand", "plant, tend and harvest crops|"
            "operate farm machinery and care for livestock"),
        es=("Peón agrícola|Trabajador/a agrícola|Jornalero", "plantar, cuidar y cosechar cultivos|"
            "manejar maquinaria agrícola y cuidar del ganado"),
        pt=("Trabalhador rural|Auxiliar agrícola", "plantar, cuidar e colher culturas|"
            "operar máquinas agrícolas e cuidar dos animais"),
        it=("Operaio agricolo|Bracciante agricolo", "seminare, curare e raccogliere le colture|"
            "usare macchine agricole e accudire il bestiame"),
        ms=("Pekerja Ladang|Pekerja Pertanian", "menanam, menjaga dan menuai tanaman|"
            "mengendalikan jentera ladang dan menjaga ternakan"),
    ),
    _occ(
        "construction labourer",
        en=("Construction Labourer|General Labourer|Construction Worker", "prepare construction sites and move "
            "materials|mix concrete and assist skilled trades"),
        es=("Peón de construcción|Albañil|Ayudante de obra", "preparar la obra y transportar materiales|"
            "mezclar hormigón y ayudar a los oficiales"),
        pt=("Servente de obras|Pedreiro|Ajudante de obra", "preparar o canteiro e transportar materiais|"
            "misturar concreto e auxiliar os profissionais"),
        it=("Manovale edile|Muratore|Operaio edile", "preparare il cantiere e movimentare i materiali|"
            "preparare il calcestruzzo e aiutare gli operai specializzati"),
        ms=("Buruh Binaan|Pekerja Am Binaan", "menyediakan tapak bina dan mengangkat bahan|"
            "mencampur konkrit dan membantu tukang mahir"),
    ),
    _occ(
        "IT support technician",
        en=("IT Support Technician|Help Desk Technician|Desktop Support Analyst", "set up laptops and resolve "
            "user IT issues|manage accounts, printers and network access"),
        es=("Técnico/a de soporte informático|Técnico de helpdesk", "configurar equipos y resolver incidencias de "
            "usuarios|gestionar cuentas, impresoras y accesos a la red"),
        pt=("Técnico de suporte de TI|Analista de suporte", "configurar computadores e resolver chamados de "
            "usuários|gerir contas, impressoras e acessos à rede"),
        it=("Tecnico informatico|Tecnico help desk", "configurare pc e risolvere problemi degli utenti|"
            "gestire account, stampanti e accessi alla rete"),
        ms=("Juruteknik Sokongan IT|Juruteknik Komputer", "menyediakan komputer riba dan menyelesaikan masalah IT "
            "pengguna|mengurus akaun, pencetak dan akses rangkaian"),
    ),
    _occ(
        "baker",
        en=("Baker|Pastry Baker|Bakery Assistant", "bake bread and pastries every morning|"
            "prepare dough and manage the ovens"),
        es=("Panadero/a|Pastelero/a", "elaborar pan y bollería cada mañana|preparar masas y controlar los hornos"),
        pt=("Padeiro(a)|Confeiteiro(a)", "fabricar pães e doces todas as manhãs|preparar massas e controlar os "
            "fornos"),
        it=("Panettiere|Fornaio|Pasticcere", "produrre pane e dolci ogni mattina|"
            "preparare gli impasti e gestire i forni"),
        ms=("Pembuat Roti|Tukang Roti", "membakar roti dan pastri setiap pagi|"
            "menyediakan doh dan mengendalikan ketuhar"),
    ),
    _occ(
        "shop sales assistant",
        en=("Retail Sales Assistant|Shop Assistant|Sales Associate", "help customers and keep shelves stocked|"
            "process returns and keep the store tidy"),
        es=("Dependiente/a|Vendedor/a de tienda", "atender a los clientes y reponer estanterías|"
            "gestionar devoluciones y mantener la tienda ordenada"),
        pt=("Vendedor(a) de loja|Atendente de loja", "atender clientes e repor prateleiras|"
            "processar trocas e manter a loja arrumada"),
        it=("Commesso|Commessa|Addetto vendite negozio", "assistere i clienti e rifornire gli scaffali|"
            "gestire i resi e mantenere il negozio in ordine"),
        ms=("Pembantu Jualan|Pembantu Kedai", "membantu pelanggan dan menyusun barang di rak|"
            "memproses pemulangan dan memastikan kedai kemas"),
    ),
    _occ(
        "physiotherapist",
        en=("Physiotherapist|Physical Therapist", "assess patients and plan rehabilitation|"
            "treat injuries with exercise and manual therapy"),
        es=("Fisioterapeuta|Kinesiólogo/a", "valorar a los pacientes y planificar la rehabilitación|"
            "tratar lesiones con ejercicio y terapia manual"),
        pt=("Fisioterapeuta", "avaliar pacientes e planejar a reabilitação|"
            "tratar lesões com exercícios e terapia manual"),
        it=("Fisioterapista", "valutare i pazienti e pianificare la riabilitazione|"
            "trattare infortuni con esercizio e terapia manuale"),
        ms=("Ahli Fisioterapi|Jurupulih Fisioterapi", "menilai pesakit dan merancang rawatan pemulihan|"
            "merawat kecederaan dengan senaman dan terapi manual"),
    ),
    _occ(
        "room attendant",
        en=("Room Attendant|Housekeeper|Hotel Housekeeping Attendant", "clean and prepare hotel rooms|"
            "change linen and restock amenities"),
        es=("Camarera de pisos|Ama de llaves", "limpiar y preparar habitaciones de hotel|"
            "cambiar la ropa de cama y reponer amenities"),
        pt=("Camareira|Governanta", "limpar e arrumar quartos de hotel|trocar roupa de cama e repor amenities"),
        it=("Cameriera ai piani|Governante", "pulire e riordinare le camere d'albergo|"
            "cambiare la biancheria e rifornire i kit di cortesia"),
        ms=("Atendan Bilik|Pengemas Bilik Hotel", "membersih dan menyediakan bilik hotel|"
            "menukar cadar dan menambah kelengkapan bilik"),
    ),
)

# Emerging occupations: no ISCO-08 title names them; they should surface as novel clusters.
_EMERGING: tuple[_Occupation, ...] = (
    _occ(
        "mlops engineer",
        en=("MLOps Engineer|MLOps Platform Engineer|Senior MLOps Engineer|MLOps Engineer (Kubernetes)|LLMOps Engineer",
            "deploy and monitor machine learning models in production|"
            "automate training pipelines, model registries and feature stores"),
        es=("Ingeniero/a MLOps|Ingeniero de MLOps", "desplegar y monitorizar modelos de machine learning en "
            "producción|automatizar pipelines de entrenamiento y registros de modelos"),
        pt=("Engenheiro(a) de MLOps|Engenheiro MLOps", "implantar e monitorar modelos de machine learning em "
            "produção|automatizar pipelines de treinamento e registros de modelos"),
        it=("Ingegnere MLOps|MLOps Engineer", "rilasciare e monitorare modelli di machine learning in produzione|"
            "automatizzare le pipeline di addestramento e i registri dei modelli"),
        ms=("Jurutera MLOps|MLOps Engineer", "melaksana dan memantau model pembelajaran mesin dalam pengeluaran|"
            "mengautomasikan saluran latihan dan pendaftaran model"),
    ),
    _occ(
        "blockchain analyst",
        en=("Blockchain Analyst|Blockchain Data Analyst|Crypto & Blockchain Analyst|On-chain Blockchain Analyst",
            "analyse on-chain transactions and smart contracts|monitor crypto wallets for fraud and compliance risks"),
        es=("Analista blockchain|Analista de blockchain", "analizar transacciones on-chain y contratos "
            "inteligentes|monitorizar carteras cripto para detectar fraude"),
        pt=("Analista de blockchain|Analista blockchain", "analisar transações on-chain e contratos inteligentes|"
            "monitorar carteiras cripto para riscos de fraude"),
        it=("Analista blockchain|Blockchain analyst", "analizzare transazioni on-chain e smart contract|"
            "monitorare wallet cripto per rischi di frode"),
        ms=("Penganalisis Blockchain|Blockchain Analyst", "menganalisis transaksi on-chain dan kontrak pintar|"
            "memantau dompet kripto untuk risiko penipuan"),
    ),
    _occ(
        "digital twin engineer",
        en=("Digital Twin Engineer|Digital Twin Developer|Digital Twin Specialist|Industrial Digital Twin Engineer|"
            "Digital Twin Solutions Engineer", "build digital twins of plants and assets from live sensor data|"
            "simulate operations and keep each twin in sync with its physical asset"),
        es=("Ingeniero/a de gemelos digitales|Especialista en gemelo digital", "construir gemelos digitales de "
            "plantas y activos con datos de sensores|simular operaciones y sincronizar el gemelo con el activo físico"),
        pt=("Engenheiro(a) de gêmeos digitais|Especialista em gêmeo digital", "construir gêmeos digitais de "
            "plantas e ativos com dados de sensores|simular operações e sincronizar o gêmeo com o ativo físico"),
        it=("Ingegnere digital twin|Specialista digital twin", "costruire gemelli digitali di impianti e asset dai "
            "dati dei sensori|simulare le operazioni e sincronizzare il gemello con l'asset fisico"),
        ms=("Jurutera Kembar Digital|Digital Twin Engineer", "membina kembar digital loji dan aset daripada data "
            "sensor|mensimulasikan operasi dan menyelaraskan kembar dengan aset fizikal"),
    ),
    _occ(
        "prompt engineer",
        en=("Prompt Engineer|AI Prompt Engineer|Prompt Engineer (LLM)|Generative AI Prompt Engineer|"
            "Prompt Engineering Specialist", "design and test prompts for large language models|"
            "evaluate LLM outputs and build prompt libraries"),
        es=("Ingeniero/a de prompts|Prompt Engineer", "diseñar y probar prompts para modelos de lenguaje|"
            "evaluar respuestas de LLM y crear bibliotecas de prompts"),
        pt=("Engenheiro(a) de prompts|Prompt Engineer", "criar e testar prompts para modelos de linguagem|"
            "avaliar respostas de LLM e montar bibliotecas de prompts"),
        it=("Prompt Engineer|Ingegnere dei prompt", "progettare e testare prompt per modelli linguistici|"
            "valutare gli output degli LLM e creare librerie di prompt"),
        ms=("Jurutera Prompt|Prompt Engineer", "mereka dan menguji prompt untuk model bahasa besar|"
            "menilai output LLM dan membina pustaka prompt"),
    ),
    _occ(
        "carbon accountant",
        en=("Carbon Accountant|Carbon Footprint Analyst|Carbon Emissions Analyst|Carbon Footprint Specialist|"
            "Scope 3 Carbon Analyst", "measure scope 1, 2 and 3 greenhouse gas emissions across the supply chain|"
            "prepare carbon disclosures and emission reduction plans"),
        es=("Analista de huella de carbono|Contable de carbono", "medir las emisiones de gases de efecto "
            "invernadero de alcance 1, 2 y 3|preparar informes de carbono y planes de reducción de emisiones"),
        pt=("Analista de pegada de carbono|Contador(a) de carbono", "medir as emissões de gases de efeito estufa "
            "de escopo 1, 2 e 3|preparar relatórios de carbono e planos de redução de emissões"),
        it=("Carbon accountant|Analista carbon footprint", "misurare le emissioni di gas serra di scope 1, 2 e 3|"
            "preparare le rendicontazioni carbonio e i piani di riduzione delle emissioni"),
        ms=("Penganalisis Jejak Karbon|Akauntan Karbon", "mengukur pelepasan gas rumah hijau skop 1, 2 dan 3|"
            "menyediakan laporan karbon dan pelan pengurangan pelepasan"),
    ),
    _occ(
        "data annotator",
        en=("Data Annotator|AI Data Annotator|Data Annotation Specialist|Image Annotator|Data Labeling Annotator",
            "label images, text and audio for machine learning|"
            "review annotation quality and follow labelling guidelines"),
        es=("Anotador/a de datos|Anotador de datos para IA", "etiquetar imágenes, textos y audios para "
            "aprendizaje automático|revisar la calidad de las anotaciones"),
        pt=("Anotador(a) de dados|Anotador de dados para IA", "rotular imagens, textos e áudios para aprendizado "
            "de máquina|revisar a qualidade das anotações"),
        it=("Annotatore di dati|Data annotator", "etichettare immagini, testi e audio per il machine learning|"
            "verificare la qualità delle annotazioni"),
        ms=("Anotator Data|Data Annotator", "melabel imej, teks dan audio untuk pembelajaran mesin|"
            "menyemak kualiti anotasi mengikut garis panduan"),
    ),
    _occ(
        "esports coach",
        en=("Esports Coach|Esports Team Coach|E-sports Coach|Esports Performance Coach|Valorant Esports Coach",
            "analyse match footage and plan team strategies|run scrims and coach players on mechanics and mindset"),
        es=("Entrenador/a de esports|Coach de eSports", "analizar partidas y planificar estrategias del equipo|"
            "organizar scrims y entrenar a los jugadores"),
        pt=("Treinador(a) de esports|Coach de e-sports", "analisar partidas e planejar estratégias da equipe|"
            "organizar treinos e orientar os jogadores"),
        it=("Coach esports|Allenatore esports", "analizzare le partite e pianificare le strategie del team|"
            "organizzare scrim e allenare i giocatori"),
        ms=("Jurulatih Esports|Jurulatih E-sukan", "menganalisis perlawanan dan merancang strategi pasukan|"
            "menjalankan latihan dan membimbing pemain"),
    ),
)

EMERGING_OCCUPATIONS: tuple[str, ...] = tuple(o.name for o in _EMERGING)
# Case-insensitive substrings that every title variant of an emerging occupation contains (one of them).
EMERGING_KEYWORDS: dict[str, tuple[str, ...]] = {
    "mlops engineer": ("mlops", "llmops"),
    "blockchain analyst": ("blockchain",),
    "digital twin engineer": ("twin", "gemel", "gêmeo", "kembar"),
    "prompt engineer": ("prompt",),
    "carbon accountant": ("carbon", "karbon"),
    "data annotator": ("annotat", "anotad", "anotat"),
    "esports coach": ("esport", "e-sport", "e-sukan"),
}

_LANGUAGE_WEIGHTS = {"en": 45, "es": 20, "pt": 15, "it": 10, "ms": 10}
_EMERGING_LANGUAGE_WEIGHTS = {"en": 64, "es": 10, "pt": 10, "it": 8, "ms": 8}  # mostly English, as in real ads
_COUNTRIES = {"en": ("US", "GB", "MY", "SG"), "es": ("ES", "AR", "MX"), "pt": ("BR", "PT"), "it": ("IT",),
              "ms": ("MY",)}
_COUNTRY_WEIGHTS = {"en": (45, 30, 15, 10), "es": (45, 25, 30), "pt": (65, 35), "it": (1,), "ms": (1,)}
_CITIES = {
    "US": ("New York", "Austin", "Chicago", "Seattle", "Miami"),
    "GB": ("London", "Manchester", "Birmingham", "Leeds"),
    "MY": ("Kuala Lumpur", "Penang", "Johor Bahru", "Petaling Jaya", "Shah Alam"),
    "SG": ("Singapore",),
    "ES": ("Madrid", "Barcelona", "Valencia", "Sevilla"),
    "AR": ("Buenos Aires", "Córdoba", "Rosario"),
    "MX": ("Ciudad de México", "Guadalajara", "Monterrey"),
    "BR": ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"),
    "PT": ("Lisboa", "Porto", "Braga"),
    "IT": ("Milano", "Roma", "Torino", "Bologna", "Napoli"),
}
_PHONES = {
    "US": "+1 415 555 0134", "GB": "+44 20 7946 0958", "MY": "+60 12-345 6789", "SG": "+65 6123 4567",
    "ES": "+34 612 345 678", "AR": "+54 11 4321-5678", "MX": "+52 55 1234 5678", "BR": "+55 11 91234-5678",
    "PT": "+351 912 345 678", "IT": "+39 333 123 4567",
}
_EMAILS = ("jobs@example.com", "careers@example.org", "recruitment@example.net", "hr@example.com")

# ~60 fake employers, grouped by the language of the ads they publish.
_COMPANIES = {
    "en": ("Acme Health Group", "Northwind Logistics", "Contoso Software", "Blue Harbor Foods", "Summit Retail",
           "Greenfield Construction", "Pinnacle Finance", "Riverside Hospital", "Brightpath Schools",
           "Atlas Freight", "Cedar Hotels", "Nimbus Cloud Ltd", "Orion Security Services", "Maple Engineering",
           "Silverline Motors", "Harbourview Pharmacy", "Lumen Digital", "Tradewind Manufacturing",
           "Keystone Legal LLP", "Evergreen Care Homes"),
    "es": ("Grupo Sanitario Íbero", "Transportes del Sur", "Soluciones Tecnológicas Andinas", "Restaurantes La Plaza",
           "Constructora Meridiana", "Supermercados El Sol", "Banco Austral", "Hoteles Costa Azul",
           "Logística Pampa", "Clínica San Rafael", "Colegio Nueva Esperanza", "Seguridad Integral S.A."),
    "pt": ("Hospital Vida Nova", "Transportadora Rota Certa", "Tecnologia Atlântica", "Padaria Pão Dourado",
           "Construtora Horizonte", "Supermercados Bom Preço", "Banco Litoral", "Hotel Mar Azul",
           "Logística Paulista", "Farmácia Saúde Mais"),
    "it": ("Gruppo Sanitario Lombardo", "Trasporti Veloci S.r.l.", "Software Italia S.p.A.", "Ristorante Da Mario",
           "Edilizia Romana", "Supermercati Sole", "Banca del Nord", "Hotel Bella Vista"),
    "ms": ("Syarikat Maju Jaya Sdn Bhd", "Hospital Sejahtera", "Logistik Pantas Sdn Bhd", "Restoran Selera Kita",
           "Pembinaan Teguh Sdn Bhd", "Pasar Raya Mesra", "Bank Rakyat Bersatu", "Hotel Seri Malaysia",
           "Teknologi Nusantara Sdn Bhd", "Kilang Elektronik Perdana"),
}

_INTROS = {
    "en": ("We are looking for {a} {title} to join our team in {city}.", "{company} is hiring {a} {title}.",
           "Join {company} as {a} {title} in {city}."),
    "es": ("Buscamos {title} para nuestro equipo en {city}.", "{company} selecciona {title}.",
           "Únete a {company} como {title} en {city}."),
    "pt": ("Estamos contratando {title} para a nossa equipe em {city}.", "{company} contrata {title}.",
           "Venha trabalhar na {company} como {title} em {city}."),
    "it": ("Cerchiamo {title} da inserire nel nostro team di {city}.", "{company} ricerca {title}.",
           "Entra in {company} come {title} a {city}."),
    "ms": ("Kami mencari {title} untuk menyertai pasukan kami di {city}.", "{company} sedang mengambil {title}.",
           "Sertai {company} sebagai {title} di {city}."),
}
_TASK_SENTENCES = {
    "en": ("You will {task}.", "Main duties: {task}.", "The role is to {task}."),
    "es": ("Tus funciones serán {task}.", "Funciones: {task}.", "La persona seleccionada deberá {task}."),
    "pt": ("Você irá {task}.", "Atividades: {task}.", "Responsabilidades: {task}."),
    "it": ("Si occuperà di {task}.", "Mansioni: {task}.", "La risorsa dovrà {task}."),
    "ms": ("Anda akan {task}.", "Tugas utama: {task}.", "Calon perlu {task}."),
}
_CLOSINGS = {
    "en": ("Full-time position with a competitive salary.", "Immediate start, training provided.",
           "We offer career growth and health insurance.", "Shift work may be required."),
    "es": ("Jornada completa y salario competitivo.", "Incorporación inmediata.",
           "Ofrecemos formación y desarrollo profesional.", "Horario a turnos."),
    "pt": ("Contrato efetivo com benefícios.", "Início imediato.", "Oferecemos formação e plano de carreira.",
           "Trabalho por turnos."),
    "it": ("Contratto a tempo indeterminato.", "Inserimento immediato.",
           "Offriamo formazione e crescita professionale.", "Lavoro su turni."),
    "ms": ("Jawatan tetap dengan gaji yang kompetitif.", "Mula segera.", "Kami menyediakan latihan dan peluang "
           "kerjaya.", "Kerja mengikut syif."),
}
_CONTACTS = {
    "en": ("Send your CV to {email}.", "Call {phone} for details."),
    "es": ("Envía tu CV a {email}.", "Llama al {phone} para más información."),
    "pt": ("Envie o seu currículo para {email}.", "Ligue para {phone}."),
    "it": ("Invia il tuo CV a {email}.", "Chiama il {phone} per informazioni."),
    "ms": ("Hantar resume anda ke {email}.", "Hubungi {phone} untuk maklumat lanjut."),
}
_SENIORITY = {
    "en": ("Senior", "Sr.", "Sr", "Junior", "Jr.", "Graduate", "Trainee"),
    "es": ("Senior", "Sr.", "Junior", "Jr.", "Semi Senior"),
    "pt": ("Sênior", "Júnior", "Pleno", "Jr."),
    "it": ("Senior", "Junior", "Jr."),
    "ms": ("Kanan", "Senior", "Junior", "Pelatih"),
}
_GENDER = {
    "en": ("(m/f/d)", "(m/w/d)", "(M/F)"),
    "es": ("(h/m)", "(m/f)", "(m/w/d)"),
    "pt": ("(m/f)", "(M/F)", "(m/w/d)"),
    "it": ("(m/f)", "(M/F)", "(m/w/d)"),
    "ms": ("(m/f)", "(m/w/d)", "(M/F)"),
}


# The long tail of real boards: specialisations that make most distinct titles rare ("sap logistics accountant").
_TAIL_DOMAINS = ("java", "python", "sap", "sql", "cloud", "retail", "logistics", "healthcare", "automotive", "banking",
                 "hospitality", "construction", "pharma", "energy", "telecom", "insurance", "ecommerce", "aviation",
                 "marine", "mining", "fintech", "food", "textile", "chemicals", "media", "gaming", "payroll",
                 "warehouse", "hotel", "airport", "oncology", "paediatric", "dental", "veterinary", "solar",
                 "railway", "port", "museum", "casino", "cruise")
_TAIL_KINDS = ("team", "night", "weekend", "remote", "hybrid", "contract", "temporary", "bilingual", "apprentice",
               "specialist", "field", "mobile", "regional", "store", "site", "clinic", "plant", "depot", "campus",
               "kiosk", "b2b", "export", "import", "quality", "safety", "compliance", "key account", "inbound",
               "outbound", "shift")
_TAIL = tuple(f"{a} {b}" for a in _TAIL_DOMAINS for b in _TAIL_KINDS)


def generate_posts(
    n_posts: int = 3000, seed: int = 0, bad_rows: int = 20, *, tail_share: float = 0.0,
    start: date = date(2026, 1, 1), days: int = 365,
) -> list[dict[str, str]]:
    """Good posts only (``bad_rows`` is accepted for a uniform signature; ``write_demo_drop`` adds them).

    ``tail_share`` of the titles get a specialisation drawn from a heavy-tailed list of 1,200 (a few are common,
    most are rare), as on real boards; posts are dated uniformly over ``days`` from ``start``. The defaults
    reproduce the original demo exactly.
    """
    del bad_rows
    if n_posts <= 0:
        return []
    rng = random.Random(seed)
    n_dup = int(n_posts * DUPLICATE_SHARE) if n_posts >= 20 else 0
    n_unique = n_posts - n_dup
    n_emerging = round(n_unique * EMERGING_SHARE)
    # Equal shares so that every emerging occupation reaches a clusterable size.
    plan = [_EMERGING[i % len(_EMERGING)] for i in range(n_emerging)]
    plan += [rng.choice(_ORDINARY) for _ in range(n_unique - n_emerging)]
    posts = [_post(rng, occ, occ in _EMERGING, tail_share, start, days) for occ in plan]
    originals = posts[:n_unique]  # sliced once: slicing per re-post made a million posts quadratic
    posts += [dict(rng.choice(originals)) for _ in range(n_dup)]  # re-posts: same content
    rng.shuffle(posts)
    for i, post in enumerate(posts, start=1):
        post["post_id"] = f"demo-{i:06d}"
        post["url"] = f"https://jobs.example.com/{post['post_id']}"
    return [{c: post[c] for c in COLUMNS} for post in posts]


def write_demo_drop(
    path: Path, n_posts: int = 3000, seed: int = 0, bad_rows: int = 20, *, tail_share: float = 0.0,
    start: date = date(2026, 1, 1), days: int = 365,
) -> Path:
    """Write the posts plus ``bad_rows`` broken rows as a UTF-8 CSV, the way a partner would deliver it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    posts = generate_posts(n_posts, seed, tail_share=tail_share, start=start, days=days)
    rng = random.Random(f"demo-bad-rows-{seed}")
    kinds = ("empty_title", "no_letters", "bad_date", "wrong_fields")
    bad_positions = sorted(rng.randint(0, len(posts)) for _ in range(max(bad_rows, 0)))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        b = 0
        for i in range(len(posts) + 1):
            while b < len(bad_positions) and bad_positions[b] == i:
                post_id = f"demo-{len(posts) + b + 1:06d}"
                kind = kinds[b % len(kinds)]
                if kind == "wrong_fields":  # written raw, as a broken export would
                    fh.write(_wrong_fields_line(b // len(kinds), post_id) + "\r\n")
                else:
                    writer.writerow(_bad_row(kind, b // len(kinds), post_id))
                b += 1
            if i < len(posts):
                writer.writerow([posts[i][c] for c in COLUMNS])
    return path


def _post(
    rng: random.Random, occ: _Occupation, emerging: bool, tail_share: float, start: date, days: int
) -> dict[str, str]:
    weights = _EMERGING_LANGUAGE_WEIGHTS if emerging else _LANGUAGE_WEIGHTS
    lang = rng.choices(LANGUAGES, weights=[weights[x] for x in LANGUAGES])[0]
    country = rng.choices(_COUNTRIES[lang], weights=_COUNTRY_WEIGHTS[lang])[0]
    city = rng.choice(_CITIES[country])
    company = rng.choice(_COMPANIES[lang])
    base = rng.choice(occ.titles[lang])
    posted = start + timedelta(days=rng.randrange(days))
    if tail_share and rng.random() < tail_share:
        qualifier = _TAIL[int(len(_TAIL) ** rng.random()) - 1]  # log-uniform rank: a heavy head, a long tail
        base = f"{qualifier} {base}" if lang == "en" else f"{base} {qualifier}"
    return {
        "job_title": _noisy_title(rng, base, lang, city),
        "job_desc": _description(rng, occ, base, lang, company, country, city),
        "company": company,
        "country": country,
        "language": lang,
        "posted_at": posted.isoformat(),
    }


def _noisy_title(rng: random.Random, title: str, lang: str, city: str) -> str:
    """Add the clutter real ads carry: seniority, gender markers, locations, codes, shouting."""
    if rng.random() < 0.15:
        level = rng.choice(_SENIORITY[lang])
        title = f"{level} {title}" if lang == "en" else f"{title} {level}"
    if rng.random() < 0.10:
        title = f"{title} {rng.choice(_GENDER[lang])}"
    if rng.random() < 0.15:
        title = f"{title} - {city}"
    if rng.random() < 0.05:
        code = f"REQ-{rng.randint(10000, 99999)}"
        title = rng.choice((f"{title} ({code})", f"{code} | {title}", f"{title} - {code}"))
    r = rng.random()
    if r < 0.05:
        title = title.upper()
    elif r < 0.07:
        title = title.lower()
    return title


def _description(
    rng: random.Random, occ: _Occupation, title: str, lang: str, company: str, country: str, city: str
) -> str:
    """One to three sentences in the post's language; some with HTML, line breaks or contact details."""
    sentences: list[str] = []
    if rng.random() < 0.7:
        article = _article(title)
        intro = rng.choice(_INTROS[lang])
        sentences.append(intro.format(a=article, title=title, company=company, city=city))
    tasks = rng.sample(occ.tasks[lang], k=min(len(occ.tasks[lang]), rng.choice((1, 1, 2))))
    templates = rng.sample(_TASK_SENTENCES[lang], k=len(tasks))  # no "You will ... You will ..."
    sentences += [template.format(task=task) for template, task in zip(templates, tasks, strict=True)]
    if len(sentences) < 3:
        r = rng.random()
        if r < 0.07:
            contact = rng.choice(_CONTACTS[lang])
            sentences.append(contact.format(email=rng.choice(_EMAILS), phone=_PHONES[country]))
        elif r < 0.5:
            sentences.append(rng.choice(_CLOSINGS[lang]))
    r = rng.random()
    if r < 0.12:
        return "".join(f"<p>{s}</p>" for s in sentences)
    if r < 0.20:
        return "<br>".join(sentences).replace(title, f"<b>{title}</b>", 1)
    if r < 0.25:
        return "\n".join(sentences)
    return " ".join(sentences)


def _bad_row(kind: str, occurrence: int, post_id: str) -> list[str]:
    """A row the reader must quarantine: no title, a title without letters, or an unparseable date."""
    title, posted_at = "Cook", "2026-03-01"
    if kind == "empty_title":
        title = ("", "   ")[occurrence % 2]
    elif kind == "no_letters":
        title = ("12345", "---", "#### 0001", "?!")[occurrence % 4]
    else:
        posted_at = ("not-a-date", "31/02/2026", "2026-13-45", "yesterday")[occurrence % 4]
    return [post_id, title, "Prepare dishes according to the menu.", "Blue Harbor Foods", "GB", "en", posted_at,
            f"https://jobs.example.com/{post_id}"]


def _wrong_fields_line(occurrence: int, post_id: str) -> str:
    """A raw line with too few or too many fields, as produced by a broken export."""
    if occurrence % 2 == 0:
        return f"{post_id},Waiter,missing columns"
    return f"{post_id},Cashier,Handle payments,Summit Retail,GB,en,2026-02-03,https://jobs.example.com/x,extra,field"


def _article(title: str) -> str:
    """English indefinite article by sound: "an Accountant", "an HR Officer", "a UAV pilot"."""
    first = title.split()[0] if title.split() else ""
    if first.isupper() and len(first) <= 4:  # acronym, read letter by letter
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[:1].lower() in "aeio" else "a"

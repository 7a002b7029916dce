package demo

// The name pools below are common names, not records of real people: any
// combination that matches a living person does so by chance.

// origin is a group of people who share naming habits and birthplaces.
type origin struct {
	key      string
	weight   int // relative frequency among enrolled staff
	surnames []string
	female   []string
	male     []string
	places   []place // birthplaces; Italians use the province's own municipalities too
}

// place is a municipality or a foreign state with its cadastral (Belfiore) code.
type place struct {
	name string
	code string
}

// Lombard and other Italian municipalities with their cadastral codes.
var (
	plCremona       = place{"Cremona", "D150"}
	plCrema         = place{"Crema", "D142"}
	plCasalmaggiore = place{"Casalmaggiore", "B898"}
	plSoresina      = place{"Soresina", "I849"}
	plMilano        = place{"Milano", "F205"}
	plBergamo       = place{"Bergamo", "A794"}
	plTreviglio     = place{"Treviglio", "L400"}
	plBrescia       = place{"Brescia", "B157"}
	plComo          = place{"Como", "C933"}
	plCantu         = place{"Cantù", "B639"}
	plLecco         = place{"Lecco", "E507"}
	plLodi          = place{"Lodi", "E648"}
	plCodogno       = place{"Codogno", "C816"}
	plMantova       = place{"Mantova", "E897"}
	plViadana       = place{"Viadana", "L826"}
	plMonza         = place{"Monza", "F704"}
	plSeregno       = place{"Seregno", "I625"}
	plVimercate     = place{"Vimercate", "M052"}
	plVarese        = place{"Varese", "L682"}
	plBusto         = place{"Busto Arsizio", "B300"}
	plGallarate     = place{"Gallarate", "D869"}
	plPavia         = place{"Pavia", "G388"}
	plNapoli        = place{"Napoli", "F839"}
	plPalermo       = place{"Palermo", "G273"}
	plBari          = place{"Bari", "A662"}
	plRoma          = place{"Roma", "H501"}
	plTorino        = place{"Torino", "L219"}
)

// southernPlaces are where many Lombard public servants were born.
var southernPlaces = []place{plNapoli, plPalermo, plBari, plRoma, plTorino}

var origins = []origin{
	{
		key: "it", weight: 780,
		surnames: []string{
			"Rossi", "Colombo", "Ferrari", "Bianchi", "Brambilla", "Villa", "Galli",
			"Fumagalli", "Sala", "Cattaneo", "Mariani", "Riva", "Moretti", "Ferrario",
			"Mauri", "Rota", "Pozzi", "Barbieri", "Lombardi", "Fontana", "Magni",
			"Bassi", "Carminati", "Locatelli", "Pellegrini", "Bertoni", "Galbiati",
			"Frigerio", "D'Angelo", "Dell'Acqua", "De Luca", "Esposito", "Russo",
			"Romano", "Ricci", "Marchetti", "Gallo", "Conti", "Costa", "Bonomi",
			"Negri", "Zanoni", "Ghidoni", "Bernardi", "Agosti", "Fiorentini",
			"Cantù", "Sangiovanni", "Tonoli", "Bodini", "Arisi", "Cabrini",
			"Manfredini", "Bettinelli", "Ghisolfi", "Zaffanella", "Dall'Asta",
			"Lo Presti", "La Rocca", "Santoro", "Greco", "Bruno", "Caruso",
			"Mancini", "Vitali", "Longhi", "Tadini", "Guarneri", "Rizzi", "Mazzini",
			"Ferri", "Pagliari", "Corbari", "Bolzoni", "Guindani", "Piccinelli",
		},
		female: []string{
			"Maria", "Anna", "Giulia", "Francesca", "Chiara", "Sara", "Laura",
			"Elena", "Valentina", "Silvia", "Paola", "Federica", "Roberta",
			"Alessandra", "Monica", "Cristina", "Barbara", "Elisa", "Marta",
			"Stefania", "Daniela", "Raffaella", "Simona", "Lucia", "Patrizia",
			"Maria Grazia", "Anna Maria", "Rosa", "Antonella", "Manuela",
			"Nicoletta", "Michela", "Ilaria", "Emanuela", "Gloria", "Noemi",
			"Irene", "Letizia", "Benedetta", "Marialuisa",
		},
		male: []string{
			"Marco", "Andrea", "Luca", "Giuseppe", "Alessandro", "Stefano",
			"Paolo", "Matteo", "Davide", "Roberto", "Massimo", "Fabio", "Nicolò",
			"Gianluca", "Francesco", "Giovanni", "Michele", "Simone", "Enrico",
			"Mattia", "Pierluigi", "Gian Marco", "Daniele", "Alberto",
		},
	},
	{
		key: "al", weight: 45,
		surnames: []string{"Hoxha", "Shehu", "Dervishi", "Kola", "Leka", "Gjoka", "Marku", "Çela", "Bregu", "Prifti"},
		female:   []string{"Elira", "Blerina", "Ardita", "Mirela", "Jonida", "Anila", "Entela", "Ledia", "Eralda", "Dorina"},
		male:     []string{"Arben", "Ermal", "Gentian", "Ilir", "Besnik", "Artan"},
		places:   []place{{"Albania", "Z100"}},
	},
	{
		key: "ma", weight: 55,
		surnames: []string{"El Amrani", "Benali", "Bouzid", "El Idrissi", "Ait Ouali", "Lahlou", "Berrada", "Ouardi", "El Fassi", "Tahiri"},
		female:   []string{"Fatima", "Khadija", "Naima", "Samira", "Nadia", "Latifa", "Houda", "Siham", "Karima", "Zineb"},
		male:     []string{"Mohamed", "Youssef", "Rachid", "Abdelkader", "Hicham", "Said"},
		places:   []place{{"Marocco", "Z330"}},
	},
	{
		key: "ro", weight: 45,
		surnames: []string{"Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Munteanu", "Constantin", "Radu", "Matei", "Ungureanu"},
		female:   []string{"Ioana", "Elena", "Andreea", "Mihaela", "Alina", "Cristina", "Daniela", "Roxana", "Larisa", "Oana"},
		male:     []string{"Mihai", "Ionuț", "Adrian", "Florin", "Bogdan", "Cosmin"},
		places:   []place{{"Romania", "Z129"}},
	},
	{
		key: "sn", weight: 20,
		surnames: []string{"Diop", "Ndiaye", "Fall", "Sow", "Gueye", "Diallo", "Faye", "Sarr"},
		female:   []string{"Awa", "Fatou", "Aminata", "Mariama", "Khady", "Ndeye"},
		male:     []string{"Mamadou", "Cheikh", "Ousmane", "Modou", "Ibrahima"},
		places:   []place{{"Senegal", "Z343"}},
	},
	{
		key: "cn", weight: 15,
		surnames: []string{"Hu", "Wang", "Zhou", "Chen", "Zhang", "Lin", "Liu", "Xu"},
		female:   []string{"Xiaoling", "Mei", "Yan", "Jing", "Li Na", "Hong"},
		male:     []string{"Wei", "Jun", "Hao", "Ming"},
		places:   []place{{"Cina", "Z210"}},
	},
	{
		key: "in", weight: 15,
		surnames: []string{"Singh", "Kaur", "Sharma", "Kumar", "Gill", "Sandhu"},
		female:   []string{"Harpreet", "Simran", "Manpreet", "Priya", "Gurpreet"},
		male:     []string{"Rajinder", "Sukhdev", "Amarjit", "Rahul"},
		places:   []place{{"India", "Z222"}},
	},
	{
		key: "other", weight: 25,
		surnames: []string{"Kovalenko", "Shevchenko", "Quispe", "Flores", "Reyes", "Santos", "Ben Salah", "Trabelsi"},
		female:   []string{"Olena", "Natalia", "Rosa María", "Maricel", "Amira", "Yolanda"},
		male:     []string{"Oleksandr", "José Luis", "Karim", "Rodel"},
		places: []place{
			{"Ucraina", "Z138"}, {"Perù", "Z611"}, {"Filippine", "Z216"}, {"Tunisia", "Z352"},
		},
	},
}

// role is a job title in its masculine and feminine forms.
type role struct{ m, f string }

var roles = []role{
	{"Assistente sociale", "Assistente sociale"},
	{"Educatore", "Educatrice"},
	{"Mediatore culturale", "Mediatrice culturale"},
	{"Impiegato amministrativo", "Impiegata amministrativa"},
	{"Infermiere", "Infermiera"},
	{"Agente di polizia", "Agente di polizia"},
	{"Operatore di sportello", "Operatrice di sportello"},
	{"Psicologo", "Psicologa"},
	{"Insegnante", "Insegnante"},
	{"Coordinatore di servizio", "Coordinatrice di servizio"},
	{"Ostetrico", "Ostetrica"},
	{"Medico", "Medico"},
	{"Volontario", "Volontaria"},
	{"Funzionario", "Funzionaria"},
}

// roleWeights are, for each kind of employer, the weights of roles (same
// order as roles): social workers in the Comuni, nurses in hospitals, police
// officers in the Questura.
var roleWeights = map[string][]int{
	kindPublic:    {24, 14, 4, 14, 0, 0, 12, 3, 4, 6, 0, 0, 0, 10},
	kindHealth:    {14, 2, 6, 8, 28, 0, 4, 8, 0, 4, 8, 10, 0, 4},
	kindPolice:    {0, 0, 4, 22, 0, 60, 8, 0, 0, 0, 0, 0, 0, 6},
	kindThird:     {14, 26, 20, 4, 2, 0, 12, 6, 4, 8, 0, 0, 4, 0},
	kindReligious: {6, 16, 14, 2, 0, 0, 14, 2, 4, 4, 0, 0, 38, 0},
	kindUnion:     {0, 0, 10, 16, 0, 0, 50, 0, 0, 6, 0, 0, 6, 12},
}

// employer kinds (the "Tipo ente" column).
const (
	kindPublic    = "Ente pubblico"
	kindHealth    = "Sanità"
	kindPolice    = "Forze dell'ordine"
	kindThird     = "Terzo settore"
	kindReligious = "Ente religioso"
	kindUnion     = "Sindacato"
)

// org is an employer.
type org struct {
	name   string
	kind   string
	domain string // e-mail domain of its staff
}

// provinceInfo describes a partner province.
type provinceInfo struct {
	code    string // sigla
	name    string
	capital place
	towns   []place  // other municipalities, for birthplaces and addresses
	sites   []string // where courses are held
	orgs    []org
}

func orgsFor(city, sigla, slug string, extra ...org) []org {
	l := []org{
		{"Comune di " + city, kindPublic, "comune." + slug + "." + sigla + ".it"},
		{"Provincia di " + city, kindPublic, "provincia." + slug + ".it"},
		{"ASL della Provincia di " + city, kindHealth, "asl." + slug + ".it"},
		{"Questura di " + city, kindPolice, "poliziadistato.it"},
		{"Azienda Ospedaliera di " + city, kindHealth, "ao." + slug + ".it"},
		{"Caritas Diocesana di " + city, kindReligious, "caritas" + slug + ".it"},
		{"CGIL " + city, kindUnion, "cgil.lombardia.it"},
		{"CISL " + city, kindUnion, "cisl.it"},
	}
	return append(l, extra...)
}

// partners lists the nine partner provinces in the domain's order.
var partners = []provinceInfo{
	{
		code: "MB", name: "Monza e della Brianza", capital: plMonza,
		sites: []string{"Monza", "Monza", "Seregno", "Vimercate"},
		towns: []place{plSeregno, plVimercate, plMilano},
		orgs: orgsFor("Monza", "mb", "monza",
			org{"Cooperativa sociale Il Brugo", kindThird, "ilbrugo.it"},
			org{"Distretto di Vimercate", kindPublic, "distrettovimercate.it"},
			org{"Comune di Seregno", kindPublic, "comune.seregno.mb.it"}),
	},
	{
		code: "BG", name: "Bergamo", capital: plBergamo,
		sites: []string{"Bergamo", "Bergamo", "Treviglio"},
		towns: []place{plTreviglio, plMilano, plBrescia},
		orgs: orgsFor("Bergamo", "bg", "bergamo",
			org{"Cooperativa sociale Ruah", kindThird, "cooperativaruah.it"},
			org{"Comune di Treviglio", kindPublic, "comune.treviglio.bg.it"}),
	},
	{
		code: "CR", name: "Cremona", capital: plCremona,
		sites: []string{"Cremona", "Crema", "Casalmaggiore"},
		towns: []place{plCrema, plCasalmaggiore, plSoresina},
		orgs: []org{
			{"Comune di Cremona", kindPublic, "comune.cremona.it"},
			{"Comune di Crema", kindPublic, "comune.crema.cr.it"},
			{"Comune di Casalmaggiore", kindPublic, "comune.casalmaggiore.cr.it"},
			{"Provincia di Cremona", kindPublic, "provincia.cremona.it"},
			{"ASL della Provincia di Cremona", kindHealth, "aslcremona.it"},
			{"Azienda Ospedaliera di Crema", kindHealth, "hcrema.it"},
			{"Azienda Ospedaliera Istituti Ospitalieri di Cremona", kindHealth, "ospedale.cremona.it"},
			{"Questura di Cremona", kindPolice, "poliziadistato.it"},
			{"Consorzio Casalasco Servizi Sociali", kindPublic, "concass.it"},
			{"Comunità Sociale Cremasca", kindPublic, "comunitasocialecremasca.it"},
			{"Cooperativa sociale Nazareth", kindThird, "nazareth.cr.it"},
			{"Cooperativa sociale Igea", kindThird, "coopigea.it"},
			{"Caritas Cremonese", kindReligious, "caritascremonese.it"},
			{"CGIL Cremona", kindUnion, "cgil.lombardia.it"},
			{"CISL Cremona", kindUnion, "cisl.it"},
		},
	},
	{
		code: "CO", name: "Como", capital: plComo,
		sites: []string{"Como", "Como", "Cantù"},
		towns: []place{plCantu, plMilano},
		orgs: orgsFor("Como", "co", "como",
			org{"Cooperativa sociale Questa Generazione", kindThird, "questagenerazione.it"}),
	},
	{
		code: "LC", name: "Lecco", capital: plLecco,
		sites: []string{"Lecco"},
		towns: []place{plMilano, plBergamo},
		orgs: orgsFor("Lecco", "lc", "lecco",
			org{"Consorzio Consolida", kindThird, "consorzioconsolida.it"}),
	},
	{
		code: "LO", name: "Lodi", capital: plLodi,
		sites: []string{"Lodi", "Lodi", "Codogno"},
		towns: []place{plCodogno, plMilano, plPavia},
		orgs: orgsFor("Lodi", "lo", "lodi",
			org{"Comune di Codogno", kindPublic, "comune.codogno.lo.it"}),
	},
	{
		code: "MN", name: "Mantova", capital: plMantova,
		sites: []string{"Mantova", "Mantova", "Viadana"},
		towns: []place{plViadana, plCremona},
		orgs: orgsFor("Mantova", "mn", "mantova",
			org{"Comune di Viadana", kindPublic, "comune.viadana.mn.it"}),
	},
	{
		code: "MI", name: "Milano", capital: plMilano,
		sites: []string{"Milano"},
		towns: []place{plMonza, plPavia, plBrescia},
		orgs: orgsFor("Milano", "mi", "milano",
			org{"Cooperativa sociale Farsi Prossimo", kindThird, "farsiprossimo.it"},
			org{"Fondazione Casa della Carità", kindThird, "casadellacarita.org"},
			org{"Comune di Sesto San Giovanni", kindPublic, "sestosg.net"}),
	},
	{
		code: "VA", name: "Varese", capital: plVarese,
		sites: []string{"Varese", "Varese", "Busto Arsizio", "Gallarate"},
		towns: []place{plBusto, plGallarate, plComo},
		orgs: orgsFor("Varese", "va", "varese",
			org{"Comune di Busto Arsizio", kindPublic, "comune.bustoarsizio.va.it"}),
	},
}

// mailProviders are the personal addresses people type instead of the office one.
var mailProviders = []string{"gmail.com", "libero.it", "hotmail.it", "yahoo.it", "alice.it", "virgilio.it"}

// Axis titles of the integration plan.
var axisTitles = map[string]string{
	"I":   "Educazione e apprendimento: dalla lingua ai valori",
	"II":  "Lavoro",
	"III": "Alloggio e governo del territorio",
	"IV":  "Accesso ai servizi essenziali",
	"V":   "Minori e seconde generazioni",
}

// courseTitles are module titles by axis for the provinces other than Cremona
// (Cremona's are fixed, see cremona.go).
var courseTitles = []struct{ axis, title string }{
	{"I", "Certificazione delle competenze: metodologie e pratiche di validazione"},
	{"I", "Insegnare l'italiano L2 agli adulti stranieri"},
	{"II", "Lavoratori stranieri e procedure di ingresso: l'impatto della legislazione sui servizi al lavoro"},
	{"II", "Il lavoro domestico e di cura: regole e tutele"},
	{"III", "Abitare e immigrazione: l'accesso alla casa"},
	{"III", "Convivenza nei quartieri e mediazione dei conflitti"},
	{"IV", "Immigrazione formato famiglia"},
	{"IV", "La violenza sulle donne in un'ottica interculturale"},
	{"IV", "Salute e immigrazione"},
	{"IV", "I servizi territoriali: la presa in carico di utenti stranieri"},
	{"IV", "Permesso di soggiorno e cittadinanza: le procedure"},
	{"IV", "Donne straniere e conciliazione vita-lavoro"},
	{"V", "Minori stranieri non accompagnati"},
	{"V", "Seconde generazioni e scuola"},
}

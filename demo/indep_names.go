package demo

// Name pools of the independent noise model (NoiseIndep). They are drawn by
// weight, so that common names are common (ROSSI MARIA turns up several
// times as different people), unlike the first model's uniform pools. Foreign
// names carry the other spellings the same name is transliterated with.

// wname is a name with its relative frequency and its other spellings.
type wname struct {
	name   string
	weight int
	alt    []string // transliterations and spelling variants of the same name
}

// indepOrigin is a group sharing naming habits and a birthplace.
type indepOrigin struct {
	key      string
	weight   int
	surnames []wname
	female   []wname
	male     []wname
	places   []place
	swapProb float64 // surname and given name often typed the other way round
}

var indepOrigins = []indepOrigin{
	{
		key: "it", weight: 850,
		surnames: []wname{
			{"Rossi", 30, nil}, {"Russo", 20, nil}, {"Ferrari", 18, nil}, {"Esposito", 16, nil},
			{"Bianchi", 15, nil}, {"Romano", 14, nil}, {"Colombo", 14, nil}, {"Ricci", 11, nil},
			{"Marino", 11, nil}, {"Greco", 10, nil}, {"Bruno", 10, nil}, {"Gallo", 10, nil},
			{"Conti", 9, nil}, {"De Luca", 9, nil}, {"Mancini", 8, nil}, {"Costa", 8, nil},
			{"Giordano", 8, nil}, {"Rizzo", 7, nil}, {"Lombardi", 7, nil}, {"Moretti", 7, nil},
			{"Brambilla", 6, nil}, {"Barbieri", 6, nil}, {"Fontana", 6, nil}, {"Santoro", 6, nil},
			{"Mariani", 6, nil}, {"Rinaldi", 5, nil}, {"Caruso", 5, nil}, {"Galli", 5, nil},
			{"Martini", 5, nil}, {"Leone", 5, nil}, {"Longo", 5, nil}, {"Gentile", 5, nil},
			{"Martinelli", 5, nil}, {"Vitale", 5, nil}, {"Lombardo", 4, nil}, {"Serra", 4, nil},
			{"Coppola", 4, nil}, {"De Santis", 4, nil}, {"D'Angelo", 4, nil}, {"Marchetti", 4, nil},
			{"Parisi", 4, nil}, {"Villa", 4, nil}, {"Conte", 4, nil}, {"Ferraro", 4, nil},
			{"Fumagalli", 4, nil}, {"Crippa", 4, nil}, {"Viganò", 3, nil}, {"Galimberti", 3, nil},
			{"Cattaneo", 3, nil}, {"Sala", 3, nil}, {"Gatti", 3, nil}, {"Pellegrini", 3, nil},
			{"Palumbo", 3, nil}, {"Farina", 3, nil}, {"Rizzi", 3, nil}, {"Monti", 3, nil},
			{"Morelli", 3, nil}, {"Amato", 3, nil}, {"Mazza", 3, nil}, {"Testa", 3, nil},
			{"Battaglia", 3, nil}, {"Pellegrino", 3, nil}, {"Carbone", 3, nil}, {"Giuliani", 3, nil},
			{"Barone", 3, nil}, {"Caputo", 3, nil}, {"Guerra", 3, nil}, {"Bernardi", 3, nil},
			{"Fiore", 3, nil}, {"De Rosa", 3, nil}, {"Bellini", 3, nil}, {"Riva", 3, nil},
			{"Donati", 3, nil}, {"Sartori", 3, nil}, {"Neri", 3, nil}, {"Milani", 3, nil},
			{"Ruggiero", 3, nil}, {"D'Amico", 3, nil}, {"Orlando", 3, nil}, {"Negri", 2, nil},
			{"Bagnoli", 2, nil}, {"Cagnoni", 2, nil}, {"Mazzucchelli", 2, nil}, {"Cocchi", 2, nil},
			{"Acquaviva", 2, nil}, {"Zucchelli", 2, nil}, {"Chiesa", 2, nil}, {"Cerchiari", 2, nil},
			{"Lo Iacono", 2, nil}, {"Dell'Orto", 2, nil}, {"Della Valle", 2, nil}, {"Pozzoli", 2, nil},
			{"Ravasi", 2, nil}, {"Cazzaniga", 2, nil}, {"Longoni", 2, nil}, {"Sormani", 2, nil},
			{"Tagliabue", 2, nil}, {"Zappa", 2, nil}, {"Scotti", 2, nil}, {"Guglielmi", 2, nil},
			{"Castelli", 2, nil}, {"Magnani", 2, nil}, {"Pagnoni", 1, nil}, {"Ghezzi", 1, nil},
		},
		female: []wname{
			{"Maria", 12, nil}, {"Anna", 7, nil}, {"Francesca", 6, nil}, {"Giulia", 5, nil},
			{"Laura", 5, nil}, {"Paola", 5, nil}, {"Elena", 5, nil}, {"Chiara", 4, nil},
			{"Sara", 4, nil}, {"Valentina", 4, nil}, {"Silvia", 4, nil}, {"Alessandra", 4, nil},
			{"Cristina", 4, nil}, {"Giuseppina", 3, nil}, {"Federica", 3, nil}, {"Roberta", 3, nil},
			{"Monica", 3, nil}, {"Barbara", 3, nil}, {"Elisabetta", 3, nil}, {"Stefania", 3, nil},
			{"Daniela", 3, nil}, {"Patrizia", 3, nil}, {"Maria Grazia", 3, nil}, {"Anna Maria", 3, nil},
			{"Antonella", 3, nil}, {"Lucia", 3, nil}, {"Raffaella", 2, nil}, {"Maria Luisa", 2, nil},
			{"Maria Teresa", 2, nil}, {"Margherita", 2, nil}, {"Caterina", 2, nil}, {"Emanuela", 2, nil},
			{"Beatrice", 2, nil}, {"Rosa", 2, nil}, {"Gabriella", 2, nil}, {"Ilaria", 2, nil},
			{"Marta", 2, nil}, {"Serena", 2, nil}, {"Maria Rosaria", 1, nil}, {"Agnese", 1, nil},
			{"Benedetta", 1, nil}, {"Ludovica", 1, nil},
		},
		male: []wname{
			{"Giuseppe", 8, nil}, {"Giovanni", 6, nil}, {"Antonio", 6, nil}, {"Francesco", 6, nil},
			{"Marco", 6, nil}, {"Andrea", 5, nil}, {"Luca", 5, nil}, {"Alessandro", 5, nil},
			{"Roberto", 5, nil}, {"Stefano", 5, nil}, {"Paolo", 5, nil}, {"Massimo", 4, nil},
			{"Mario", 4, nil}, {"Luigi", 4, nil}, {"Salvatore", 3, nil}, {"Vincenzo", 3, nil},
			{"Domenico", 3, nil}, {"Davide", 3, nil}, {"Matteo", 3, nil}, {"Daniele", 3, nil},
			{"Fabio", 3, nil}, {"Claudio", 3, nil}, {"Carlo", 3, nil}, {"Federico", 2, nil},
			{"Emanuele", 2, nil}, {"Gabriele", 2, nil}, {"Raffaele", 2, nil}, {"Gian Luca", 2, nil},
			{"Sergio", 2, nil}, {"Enrico", 2, nil}, {"Alberto", 2, nil}, {"Riccardo", 2, nil},
			{"Simone", 2, nil}, {"Pier Paolo", 1, nil}, {"Gian Marco", 1, nil},
		},
	},
	{
		key: "ma", weight: 45,
		surnames: []wname{
			{"El Amrani", 3, []string{"Elamrani", "Al Amrani", "El-Amrani"}},
			{"Benali", 3, []string{"Ben Ali", "Ben-Ali"}},
			{"Bouzid", 2, []string{"Bouzide", "Bu Zid"}},
			{"Haddad", 2, []string{"Hadad", "Haddade"}},
			{"Chaouki", 1, []string{"Shawki", "Chauki"}},
			{"El Idrissi", 2, []string{"Idrissi", "El Idrisi", "Elidrissi"}},
		},
		female: []wname{
			{"Fatima", 4, []string{"Fatma", "Fatimah", "Fatema"}},
			{"Khadija", 3, []string{"Khadidja", "Kadija", "Hadija"}},
			{"Amina", 2, []string{"Aminah", "Emina"}},
			{"Samira", 2, []string{"Sameera", "Samirah"}},
		},
		male: []wname{
			{"Mohamed", 5, []string{"Mohammed", "Muhammad", "Mohamad", "Mohammad"}},
			{"Ahmed", 3, []string{"Ahmad", "Ahmet"}},
			{"Youssef", 3, []string{"Yousef", "Yusuf", "Youssouf"}},
			{"Abdelkader", 2, []string{"Abdel Kader", "Abdulkadir", "Abdel-Kader"}},
		},
		places: []place{{"Marocco", "Z330"}},
	},
	{
		key: "ua", weight: 30,
		surnames: []wname{
			{"Shevchenko", 3, []string{"Sevcenko", "Schevchenko", "Ševčenko"}},
			{"Kovalenko", 2, []string{"Kowalenko", "Covalenco"}},
			{"Bondarenko", 2, []string{"Bondarenco"}},
			{"Ivanova", 2, []string{"Iwanowa", "Ivanovà"}},
			{"Tkachenko", 1, []string{"Tkacenko", "Tkatschenko"}},
		},
		female: []wname{
			{"Olena", 3, []string{"Elena", "Helena", "Olena"}},
			{"Yulia", 3, []string{"Julia", "Iuliia", "Yuliya"}},
			{"Oksana", 2, []string{"Oxana", "Oksanna"}},
			{"Svitlana", 2, []string{"Svetlana", "Swetlana"}},
			{"Natalia", 2, []string{"Nataliya", "Natalya"}},
		},
		male: []wname{
			{"Oleksandr", 2, []string{"Aleksandr", "Alexander", "Oleksander"}},
			{"Serhiy", 2, []string{"Sergii", "Sergey", "Serghei"}},
			{"Andriy", 1, []string{"Andrii", "Andrej", "Andrey"}},
		},
		places: []place{{"Ucraina", "Z138"}},
	},
	{
		key: "ro", weight: 30,
		surnames: []wname{
			{"Popescu", 4, nil}, {"Ionescu", 3, nil}, {"Constantin", 2, nil},
			{"Dumitrescu", 2, []string{"Dumitrescou"}}, {"Munteanu", 2, []string{"Munteano"}},
		},
		female: []wname{
			{"Ioana", 3, []string{"Joana", "Ioanna"}}, {"Mihaela", 3, []string{"Michaela", "Mihaella"}},
			{"Andreea", 2, []string{"Andrea", "Andreia"}}, {"Alina", 2, nil},
		},
		male: []wname{
			{"Ionuț", 2, []string{"Ionut", "Ionuz"}}, {"Mihai", 2, []string{"Mihail", "Mihay"}},
			{"Florin", 1, nil},
		},
		places: []place{{"Romania", "Z129"}},
	},
	{
		key: "cn", weight: 15, swapProb: 0.25,
		surnames: []wname{
			{"Zhang", 3, []string{"Chang", "Zang"}}, {"Wang", 3, nil}, {"Chen", 3, []string{"Chan", "Cen"}},
			{"Hu", 2, []string{"Hou"}},
		},
		female: []wname{
			{"Xiaoling", 2, []string{"Xiao Ling", "Xiao-Ling", "Xiaolin"}}, {"Mei", 2, []string{"Mey"}},
			{"Li Na", 1, []string{"Lina", "Li-Na"}},
		},
		male: []wname{
			{"Jianhua", 2, []string{"Jian Hua", "Jian-Hua"}}, {"Wei", 2, []string{"Wey"}},
		},
		places: []place{{"Cina", "Z210"}},
	},
	{
		key: "bd", weight: 20,
		surnames: []wname{
			{"Hossain", 3, []string{"Hussain", "Hosain", "Husain"}},
			{"Rahman", 3, []string{"Rehman", "Rahaman"}},
			{"Singh", 2, nil}, {"Kaur", 2, nil},
		},
		female: []wname{
			{"Nasrin", 2, []string{"Nasreen", "Nasrine"}}, {"Gurpreet", 2, []string{"Gurprit", "Gurpret"}},
			{"Rupa", 1, []string{"Roopa"}},
		},
		male: []wname{
			{"Mohammad", 3, []string{"Mohammed", "Muhammad", "Md."}},
			{"Rakib", 1, []string{"Rakibul", "Raqib"}},
		},
		places: []place{{"Bangladesh", "Z249"}, {"India", "Z222"}},
	},
	{
		key: "al", weight: 20,
		surnames: []wname{
			{"Hoxha", 3, []string{"Hodja", "Hoxa", "Hoca"}}, {"Shehu", 2, []string{"Sheu", "Sehu"}},
			{"Çela", 1, []string{"Cela", "Ccela"}},
		},
		female: []wname{
			{"Elira", 2, []string{"Elyra"}}, {"Blerina", 2, []string{"Blerrina", "Blerine"}},
		},
		male: []wname{
			{"Arben", 2, nil}, {"Ermal", 2, []string{"Hermal"}},
		},
		places: []place{{"Albania", "Z100"}},
	},
}

// nicknames are the short and familiar forms a given name is typed with,
// including the ways compound names are written.
var nicknames = map[string][]string{
	"Giuseppe":      {"Peppe", "Pino", "Beppe", "Giusy", "Bepi"},
	"Giuseppina":    {"Giusy", "Pina", "Giusi"},
	"Francesca":     {"Franca", "Fra", "Francy", "Cesca"},
	"Francesco":     {"Franco", "Checco", "Cesco", "Fra"},
	"Giovanni":      {"Gianni", "Nanni", "Giovi"},
	"Antonio":       {"Tonino", "Toni", "Totò", "Antonello"},
	"Antonella":     {"Anto", "Nella"},
	"Alessandro":    {"Alex", "Sandro", "Ale"},
	"Alessandra":    {"Sandra", "Ale", "Alex"},
	"Roberto":       {"Robi", "Berto"},
	"Roberta":       {"Robi", "Berta"},
	"Salvatore":     {"Totò", "Salvo", "Turi"},
	"Vincenzo":      {"Enzo", "Vince"},
	"Domenico":      {"Mimmo", "Memo", "Domi"},
	"Luigi":         {"Gino", "Gigi"},
	"Massimo":       {"Max", "Massi"},
	"Stefania":      {"Stefi", "Stefy"},
	"Stefano":       {"Ste", "Steve"},
	"Margherita":    {"Rita", "Marghe"},
	"Elisabetta":    {"Betta", "Elisa", "Betty"},
	"Caterina":      {"Cate", "Rina", "Katia"},
	"Federica":      {"Fede", "Federika"},
	"Federico":      {"Fede", "Chicco"},
	"Emanuela":      {"Manu", "Lella"},
	"Emanuele":      {"Manu", "Lele"},
	"Gabriele":      {"Lele", "Gabri"},
	"Gabriella":     {"Gabri", "Ella"},
	"Daniele":       {"Dani", "Lele"},
	"Daniela":       {"Dani", "Lella"},
	"Valentina":     {"Vale", "Tina"},
	"Beatrice":      {"Bea", "Bice"},
	"Patrizia":      {"Patty", "Pat"},
	"Raffaele":      {"Lello", "Raffa"},
	"Raffaella":     {"Lella", "Raffa"},
	"Benedetta":     {"Bene", "Betta"},
	"Ludovica":      {"Ludo", "Vica"},
	"Riccardo":      {"Ricky", "Ricca"},
	"Alberto":       {"Albi", "Berto"},
	"Enrico":        {"Chicco", "Kiko"},
	"Matteo":        {"Teo", "Matte"},
	"Davide":        {"Dave", "Davi"},
	"Simone":        {"Simo"},
	"Silvia":        {"Silvi"},
	"Chiara":        {"Chiaretta", "Kiara"},
	"Maria Grazia":  {"Mariagrazia", "M. Grazia", "Grazia", "Maria G.", "M.Grazia"},
	"Anna Maria":    {"Annamaria", "Anna", "A. Maria", "Anna M."},
	"Maria Luisa":   {"Marialuisa", "Marisa", "M. Luisa", "Luisa"},
	"Maria Teresa":  {"Mariateresa", "Teresa", "M. Teresa", "Maite"},
	"Maria Rosaria": {"Mariarosaria", "Rosaria", "M. Rosaria"},
	"Gian Luca":     {"Gianluca", "G. Luca", "Luca"},
	"Pier Paolo":    {"Pierpaolo", "P. Paolo", "Pier"},
	"Gian Marco":    {"Gianmarco", "G. Marco", "Marco"},
	"Mohamed":       {"Med", "Moha"},
	"Oleksandr":     {"Sasha", "Sascha"},
	"Abdelkader":    {"Kader", "Abdel"},
	"Xiaoling":      {"Ling", "Xiao"},
}

package canon

// FlagTextIT explains each data-quality flag code in plain Italian, for
// the feedback workbooks the OPIs receive.
var FlagTextIT = map[string]string{
	FlagTaxCodeInvalid:         "Codice fiscale: non ha la forma di un codice fiscale (16 caratteri: lettere e cifre al posto giusto)",
	FlagTaxCodeBadCheck:        "Codice fiscale: il carattere di controllo non corrisponde, probabilmente c'è un errore di battitura",
	FlagTaxCodeSexConflict:     "Il sesso indicato non corrisponde a quello del codice fiscale",
	FlagTaxCodeBirthConflict:   "La data di nascita indicata non corrisponde a quella del codice fiscale",
	FlagSexUnreadable:          "Sesso non leggibile: scrivere F o M",
	FlagBirthDateUnreadable:    "Data di nascita non leggibile: scrivere gg/mm/aaaa",
	FlagBirthDateImplausible:   "Data di nascita non plausibile (prima del 1900 o nel futuro)",
	FlagEmailInvalid:           "Indirizzo e-mail non valido",
	FlagPhoneInvalid:           "Numero di telefono non valido",
	FlagStatusUnreadable:       "Esito della domanda non leggibile: la domanda è contata come \"esito non indicato\"; scrivere ammesso/a, non ammesso/a oppure ritirato/a",
	FlagStatusMissing:          "Esito della domanda non indicato: la domanda è contata come \"esito non indicato\"; scrivere ammesso/a, non ammesso/a oppure ritirato/a",
	FlagHoursUnreadable:        "Ore frequentate non leggibili: scrivere un numero, ad esempio 12 o 12,5",
	FlagHoursOutOfRange:        "Ore frequentate negative o superiori alle ore previste dal modulo",
	FlagSatisfactionUnreadable: "Gradimento non leggibile: scrivere un voto da 1 a 5",
	FlagSatisfactionOutOfRange: "Gradimento fuori scala: il voto deve essere da 1 a 5",
	FlagAxisUnreadable:         "Asse non leggibile: scrivere I, II, III, IV o V",
	FlagNumberUnreadable:       "Numero non leggibile (ore previste o numero di incontri)",
	FlagDateUnreadable:         "Data non leggibile: scrivere gg/mm/aaaa",
	FlagNameSplitGuessed:       "Cognome e nome nella stessa cella: il cognome è stato ricavato a intuito, meglio usare due colonne separate o scrivere il cognome in maiuscolo",
	FlagModuleNotInCatalogue:   "Modulo non presente nel catalogo: né il codice né il titolo corrispondono a un modulo del catalogo dei moduli",
	FlagModuleAmbiguous:        "Modulo presente più volte nel catalogo (più edizioni o sedi): non si capisce a quale si riferisce la domanda",
	FlagMissingSurname:         "Manca il cognome: la domanda è stata caricata e contata, ma senza cognome è più difficile riconoscere la persona",
	FlagMissingGivenName:       "Manca il nome: la domanda è stata caricata e contata, ma senza nome è più difficile riconoscere la persona",
	FlagNameUnsplittable:       "Nella cella \"Cognome e nome\" c'è una sola parola: è stata presa come cognome; scrivere cognome e nome per esteso",
}

// ReasonTextIT explains each quarantine reason code in plain Italian.
var ReasonTextIT = map[string]string{
	ReasonMissingIdentity: "Mancano cognome, nome, codice fiscale, e-mail e telefono: la riga non indica una persona e non è stata caricata",
	ReasonMissingModule:   "Manca il titolo del modulo: la riga non è stata caricata",
}

package posting

// BenchPost is a typical post, for the benchmarks of both test packages.
const BenchPost = "Save the date: lancement de la collection Printemps, mardi 30 mars à 18h00. " +
	"Rejoignez-nous en direct pour la première 👗✨ https://x.com/i/broadcasts/1ABC " +
	"#SpringLaunch #Paris"

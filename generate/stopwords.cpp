#include "generate/stopwords.hpp"

#include <string>
#include <unordered_set>

namespace sf::gen::text {
namespace {

using word_set = std::unordered_set<std::string_view>;

const word_set& english_stop() {
  static const word_set s = {
      "a", "about", "above", "after", "again", "against", "all", "almost", "along", "already", "also",
      "although", "always", "am", "among", "an", "and", "another", "any", "anyone", "anything", "are",
      "around", "as", "at", "be", "became", "because", "become", "becomes", "been", "before", "being",
      "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing",
      "done", "down", "during", "each", "either", "else", "enough", "etc", "even", "ever", "every", "few",
      "for", "from", "further", "get", "gets", "getting", "got", "had", "has", "have", "having", "he",
      "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in",
      "into", "is", "it", "its", "itself", "just", "least", "less", "let", "like", "made", "make",
      "makes", "many", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "neither",
      "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "onto", "or",
      "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own", "per",
      "perhaps", "please", "quite", "rather", "really", "same", "see", "seen", "several", "shall",
      "she", "should", "since", "so", "some", "something", "such", "than", "that", "the", "their",
      "theirs", "them", "themselves", "then", "there", "therefore", "these", "they", "this", "those",
      "though", "through", "thus", "to", "too", "toward", "towards", "under", "unless", "until", "up",
      "upon", "us", "use", "used", "uses", "using", "very", "via", "was", "we", "well", "were",
      "what", "whatever", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why",
      "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself",
      "yourselves", "i.e", "e.g", "cf", "vs", "can't", "don't", "doesn't", "isn't", "aren't", "won't",
      "it's", "that's", "there's", "you're", "we're", "they're", "let's", "you'll", "you've", "i'm",
      "didn't", "wasn't", "shouldn't", "couldn't", "wouldn't", "hasn't", "haven't", "we'll", "they'll",
      "what's", "here's", "who's", "ie", "eg", "whereas", "whereby", "wherein", "thereby", "hence",
      "besides", "beyond", "across", "behind", "beside", "inside", "outside", "throughout", "unlike",
      "somehow", "anyway", "anywhere", "everywhere", "nowhere", "somewhere", "everything", "nothing",
      "none", "someone", "everyone", "nobody", "anybody", "somebody", "whenever", "wherever",
      "whichever", "whoever", "whatsoever", "oh", "ok", "okay"};
  return s;
}

const word_set& english_generic() {
  static const word_set s = {
      "able", "according", "actually", "additional", "available", "based", "basic", "best", "better",
      "certain", "common", "current", "different", "easy", "example", "examples", "first", "following",
      "follows", "general", "given", "good", "great", "important", "large", "last", "later", "little",
      "long", "lot", "lots", "main", "mentioned", "necessary", "need", "needed", "needs", "new", "next",
      "number", "numbers", "old", "order", "part", "particular", "possible", "proper", "related",
      "relevant", "required", "right", "second", "similar", "simple", "small", "specific", "sure",
      "take", "third", "thing", "things", "time", "times", "true", "false", "two", "three", "four",
      "five", "six", "seven", "eight", "nine", "ten", "various", "want", "wants", "way", "ways", "whole",
      "yes", "case", "cases", "section", "sections", "chapter", "chapters", "page", "pages", "figure",
      "figures", "table", "tables", "note", "instead", "including", "include", "includes", "included",
      "try", "put", "give", "gives", "go", "goes", "going", "know", "known", "look", "say", "says", "said",
      "keep", "come", "comes", "find", "found", "show", "shown", "shows", "call", "called", "tell",
      "allow", "allows", "allowed", "provide", "provides", "provided", "contain", "contains",
      "containing", "describe", "described", "describes", "mean", "means", "meaning", "explain",
      "explained", "many", "much", "lot", "kind", "kinds", "sort", "reason", "reasons", "fact", "idea",
      "problem", "problems", "question", "questions", "issue", "issues", "person", "people",
      "information", "details", "detail", "thanks", "doesn", "isn", "won", "didn", "set", "sets",
      "want", "like", "likely", "unlikely", "specified", "specify", "specifies", "default", "value",
      "values", "option", "options", "name", "names", "list", "lists", "work", "works", "working",
      "further", "furthermore", "moreover", "still", "already", "ago", "today", "via", "see", "note",
      "notes", "above", "below", "left", "top", "bottom", "end", "start", "begin", "beginning", "used",
      "uses", "usage", "make", "makes", "made", "done", "do", "does", "did", "able", "unable", "recent",
      "recently", "usual", "usually", "often", "sometimes", "always", "never", "ever", "again", "also",
      "least", "enough", "certainly", "clearly", "fully", "easily", "simply", "directly", "exactly",
      "probably", "possibly", "generally", "especially", "particularly", "normally", "typically",
      "currently", "previously", "properly", "respectively", "follow", "followed", "need", "needs",
      "needed", "help", "helps", "want", "wanted", "try", "tried", "using", "use", "user's", "sure",
      "hand", "ones", "etc", "whether", "per", "via", "within", "without", "upon", "yet", "thus",
      "able", "mind", "step", "steps", "point", "points", "level", "levels", "form", "forms", "term",
      "terms", "word", "words", "line", "lines", "text", "type", "types", "item", "items", "way",
      "place", "places", "area", "areas", "group", "groups", "change", "changes", "changed", "version",
      "versions", "process", "state", "result", "results", "effect", "effects", "older", "newer", "higher",
      "lower", "larger", "smaller", "bigger", "longer", "shorter", "earlier", "greater", "fewer", "faster",
      "slower", "easier", "harder", "worse", "whose", "everything", "anything", "someone", "something",
      "copyright", "license", "licence", "licensed", "trademark", "rights", "reserved"};
  return s;
}

const word_set& german_stop() {
  static const word_set s = {
      "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander", "andere",
      "anderem", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "beim", "bin", "bis",
      "bist", "da", "dabei", "dadurch", "dafür", "daher", "damit", "dann", "darauf", "darf", "darin",
      "darüber", "das", "dass", "daß", "dasselbe", "davon", "dazu", "dein", "deine", "dem", "den",
      "denen", "denn", "der", "des", "deshalb", "dessen", "die", "dies", "diese", "dieselbe", "diesem",
      "diesen", "dieser", "dieses", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen",
      "einer", "eines", "einig", "einige", "einmal", "er", "es", "etwa", "etwas", "euch", "euer", "für",
      "gegen", "gewesen", "gibt", "hab", "habe", "haben", "hat", "hatte", "hatten", "hier", "hin",
      "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "im", "immer", "in", "indem", "ins", "ist",
      "ja", "je", "jede", "jedem", "jeden", "jeder", "jedes", "jedoch", "jene", "jetzt", "kann", "kein",
      "keine", "keinen", "können", "könnte", "mal", "man", "manche", "mehr", "mein", "mich", "mir",
      "mit", "muss", "muß", "musste", "müssen", "nach", "nein", "nicht", "nichts", "noch", "nun", "nur",
      "ob", "oder", "oft", "ohne", "schon", "sehr", "sein", "seine", "seinen", "seiner", "seit",
      "selbst", "sich", "sie", "sind", "so", "solche", "soll", "sollen", "sollte", "sondern", "sonst",
      "sowie", "sowohl", "über", "um", "und", "uns", "unser", "unter", "viel", "vom", "von", "vor",
      "während", "war", "waren", "warum", "was", "weil", "welche", "welchem", "welchen", "welcher",
      "welches", "wenn", "werde", "werden", "wie", "wieder", "will", "wir", "wird", "wirst", "wo",
      "wollen", "worden", "wurde", "wurden", "würde", "würden", "wäre", "zu", "zum", "zur", "zwar",
      "zwischen", "z.b", "d.h", "bzw", "usw", "bereits", "ca", "dürfen", "ebenfalls", "eigentlich",
      "ganz", "gar", "gerade", "trotz", "einen", "ihren", "ihrem", "ihrer", "seinem", "unsere",
      "unseren", "meine", "meinen", "deren", "sodass", "wobei", "womit", "wodurch", "worauf", "hierbei"};
  return s;
}

const word_set& german_generic() {
  static const word_set s = {
      "beispiel", "beispiele", "abschnitt", "kapitel", "seite", "seiten", "abbildung", "tabelle",
      "folgende", "folgenden", "folgendes", "neue", "neuen", "neuer", "erste", "ersten", "zweite",
      "zwei", "drei", "vier", "fünf", "art", "teil", "fall", "fälle", "weise", "möglich", "wichtig",
      "verschiedene", "verschiedenen", "gleich", "gut", "gute", "groß", "große", "klein", "kleine",
      "geben", "gehen", "steht", "stehen", "gilt", "gelten", "machen", "macht", "sagen", "sagt",
      "heißt", "bedeutet", "kommt", "kommen", "lassen", "lässt", "sehen", "sieht", "siehe", "genau",
      "ganze", "viele", "vielen", "wenige", "weitere", "weiteren", "bestimmte", "bestimmten",
      "beliebige", "beliebigen", "hinweis", "frage", "fragen", "ziele", "inhalt", "zusammenfassung",
      "copyright", "lizenz", "rechte", "vorbehalten"};
  return s;
}

// Words frequent in running text of one language and rare in the other.
const word_set& english_markers() {
  static const word_set s = {"the", "and", "of", "is", "are", "to", "that", "with", "for", "this",
                             "it", "be", "you", "which", "or", "on", "by", "not", "can", "from"};
  return s;
}

const word_set& german_markers() {
  static const word_set s = {"der", "und", "ist", "nicht", "ein", "eine", "das", "dass", "mit", "sich",
                             "auf", "für", "werden", "wird", "sind", "auch", "von", "zu", "den", "im"};
  return s;
}

}  // namespace

bool is_stopword(std::string_view norm, language lang) {
  return lang == language::de ? german_stop().contains(norm) : english_stop().contains(norm);
}

bool is_generic(std::string_view norm, language lang) {
  if (lang == language::de) return german_generic().contains(norm);
  // Adverbs describe how, not what: never the point of a card.
  if (norm.size() > 4 && norm.ends_with("ly")) return true;
  return english_generic().contains(norm);
}

bool is_generic_noun(std::string_view norm, language lang) {
  static const word_set en = {
      "list", "lists", "name", "names", "value", "values", "option", "options", "type", "types", "version",
      "versions", "line", "lines", "text", "item", "items", "group", "groups", "level", "levels", "number",
      "numbers", "form", "forms", "term", "terms", "word", "words", "state", "process", "result", "results",
      "step", "steps", "point", "points", "area", "areas", "table", "tables", "figure", "figures", "page", "pages",
      "section", "sections", "set", "sets", "information", "details", "problem", "problems", "question",
      "questions", "issue", "issues", "people", "part", "parts", "time", "work", "change", "changes", "effect",
      "effects", "order", "default", "notes", "note", "reason", "reasons", "kind", "sort", "end", "start"};
  static const word_set de = {"teil", "art", "fall", "beispiel", "seite", "abschnitt", "kapitel", "tabelle",
                              "abbildung", "inhalt", "frage", "fragen"};
  return lang == language::de ? de.contains(norm) : en.contains(norm);
}

bool is_english_marker(std::string_view norm) { return english_markers().contains(norm); }
bool is_german_marker(std::string_view norm) { return german_markers().contains(norm); }

}  // namespace sf::gen::text

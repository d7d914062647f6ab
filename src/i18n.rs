//! Every word the customer reads, per locale.
//!
//! A locale is one [`Texts`] value; because it is a struct, a locale that misses a string
//! does not compile. Templates use `{name}` placeholders filled by [`fill`]. The locale is
//! chosen from the configuration (`data-locale`), else the page's `lang`, else the
//! browser's languages, else English.

use deflect_journey::{CustomerCategory, Expectation, FeedbackReason};
use jiff::civil::Date;

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
}

impl Locale {
    /// The locale for a BCP 47 tag (`de-CH` → German), if supported.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "de" => Some(Locale::De),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// The first supported locale among `preferences` (most preferred first), else English.
    pub fn negotiate<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Locale {
        preferences
            .into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or_default()
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
        }
    }

    /// The strings of this locale.
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &EN,
            Locale::De => &DE,
            Locale::Fr => &FR,
        }
    }
}

/// Fills `{name}` placeholders in `template`.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The wall-clock time and zone abbreviation of `at`: "14:00 CET". Written out by hand
/// rather than with `strftime("%H:%M %Z")`, which links jiff's whole strftime engine
/// (~29 KB of wasm) for this one format.
pub fn clock_time(at: &jiff::ZonedDateTime) -> String {
    let info = at.time_zone().to_offset_info(at.timestamp());
    format!(
        "{:02}:{:02} {}",
        at.hour(),
        at.minute(),
        info.abbreviation()
    )
}

/// The strings of one locale (field names say where each is used).
#[derive(Debug)]
#[allow(missing_docs)]
pub struct Texts {
    pub help: &'static str,
    pub close_help: &'static str,
    pub heading: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub suggestions_label: &'static str,
    pub loading_articles: &'static str,
    pub search_unavailable: &'static str,
    pub type_question: &'static str,
    pub no_match_short: &'static str,
    pub one_article: &'static str,
    pub n_articles: &'static str,
    pub no_match_long: &'static str,
    pub contact_support: &'static str,
    pub cant_find: &'static str,
    pub your_requests_n: &'static str,
    pub loading_article: &'static str,
    pub article_failed: &'static str,
    pub back_to_results: &'static str,
    pub open_in_help_centre: &'static str,
    pub did_this_solve: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub thanks_solved: &'static str,
    pub sorry_not_solved: &'static str,
    pub what_was_wrong: &'static str,
    pub might_help_instead: &'static str,
    pub or_ask_support: &'static str,
    pub reasons: [&'static str; 4],
    pub back: &'static str,
    pub subject: &'static str,
    pub last_chance: &'static str,
    pub describes_it: &'static str,
    pub categories: [&'static str; 6],
    pub details_optional: &'static str,
    pub name_optional: &'static str,
    pub email: &'static str,
    pub email_from_account: &'static str,
    pub attached_trail: &'static str,
    pub nothing_tried: &'static str,
    pub send_by_email: &'static str,
    pub send_request: &'static str,
    pub error_subject_empty: &'static str,
    pub error_too_long: &'static str,
    pub error_email: &'static str,
    pub error_category: &'static str,
    pub error_other: &'static str,
    pub trail_searched: &'static str,
    pub trail_read: &'static str,
    pub trail_helped: &'static str,
    pub trail_not_helped: &'static str,
    pub trail_not_helped_because: &'static str,
    pub minutes_seconds: &'static str,
    pub seconds: &'static str,
    pub mail_problem_type: &'static str,
    pub mail_tried_first: &'static str,
    pub mail_reference: &'static str,
    pub status_sent: &'static str,
    pub status_emailed: &'static str,
    pub status_rejected: &'static str,
    pub status_sending: &'static str,
    pub status_queued: &'static str,
    /// Not yet sent, and the browser refused to store it (full or disabled storage).
    pub status_queued_unsaved: &'static str,
    pub expect_reply_by: &'static str,
    pub send_by_email_instead: &'static str,
    pub saving_request: &'static str,
    /// The acknowledgement's heading once the collector has confirmed the request; the
    /// `ack_heading_*` below say honestly where it is until then.
    pub ack_heading: &'static str,
    /// While the first attempt to send it is under way.
    pub ack_heading_sending: &'static str,
    /// Not delivered yet, kept in local storage and retried (also after the page closes).
    pub ack_heading_saved: &'static str,
    /// Not delivered yet, and the browser refused to store it.
    pub ack_heading_unsaved: &'static str,
    /// Handed to the customer's e-mail program (no collector configured).
    pub ack_heading_emailed: &'static str,
    /// Refused by the support desk for good.
    pub ack_heading_rejected: &'static str,
    pub your_reference: &'static str,
    pub ack_trail: &'static str,
    pub back_to_articles: &'static str,
    pub sent_at: &'static str,
    pub your_requests: &'static str,
    pub replies_by_email: &'static str,
    pub online_reply: &'static str,
    pub online: &'static str,
    pub offline_reply: &'static str,
    pub offline: &'static str,
    pub no_hours: &'static str,
    pub today: &'static str,
    pub tomorrow: &'static str,
    /// Monday first.
    pub weekdays: [&'static str; 7],
    pub months: [&'static str; 12],
    /// `{weekday} {day} {month}`, for dates more than a week away.
    pub long_date: &'static str,
    pub context_suggestions: &'static str,
    pub did_you_mean: &'static str,
    /// Live-region announcement of an opened article.
    pub announce_article: &'static str,
    /// Live-region announcement of the contact form.
    pub announce_contact: &'static str,
}

impl PartialEq for Texts {
    /// Locales are statics: the same table is the same locale.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Texts {
    /// The label of a customer category.
    pub fn category(&self, c: CustomerCategory) -> &'static str {
        let i = CustomerCategory::ALL
            .iter()
            .position(|x| *x == c)
            .unwrap_or(0);
        self.categories[i]
    }

    /// The label of a feedback reason.
    pub fn reason(&self, r: FeedbackReason) -> &'static str {
        let i = FeedbackReason::ALL
            .iter()
            .position(|x| *x == r)
            .unwrap_or(0);
        self.reasons[i]
    }

    /// "today", "tomorrow", a weekday within the week, or a long date.
    pub fn relative_day(&self, today: Date, day: Date) -> String {
        match (day - today).get_days() {
            0 => self.today.to_string(),
            1 => self.tomorrow.to_string(),
            2..=6 => self.weekday(day).to_string(),
            _ => self.long_date(day),
        }
    }

    /// The weekday of `day`.
    pub fn weekday(&self, day: Date) -> &'static str {
        self.weekdays[day.weekday().to_monday_zero_offset() as usize]
    }

    /// `Monday 7 December` in this locale.
    pub fn long_date(&self, day: Date) -> String {
        fill(
            self.long_date,
            &[
                ("weekday", self.weekday(day)),
                ("day", &day.day().to_string()),
                ("month", self.months[day.month() as usize - 1]),
            ],
        )
    }

    /// The reply expectation, in words, times in the support team's zone.
    pub fn expectation(&self, e: &Expectation) -> String {
        let when = |z: &jiff::ZonedDateTime| {
            format!(
                "{} {}",
                self.relative_day(e.now.date(), z.date()),
                clock_time(z)
            )
        };
        match (e.open_now, &e.opens_at, &e.reply_by) {
            (true, _, Some(r)) => fill(self.online_reply, &[("when", &when(r))]),
            (true, _, None) => self.online.to_string(),
            (false, Some(o), Some(r)) => fill(
                self.offline_reply,
                &[("opens", &when(o)), ("when", &when(r))],
            ),
            (false, Some(o), None) => fill(self.offline, &[("opens", &when(o))]),
            (false, None, _) => self.no_hours.to_string(),
        }
    }
}

/// English.
pub static EN: Texts = Texts {
    help: "Help",
    close_help: "Close help",
    heading: "How can we help?",
    search_label: "Search help articles",
    search_placeholder: "Describe your problem, e.g. reset password",
    suggestions_label: "Suggested articles",
    loading_articles: "Loading help articles…",
    search_unavailable: "Search is unavailable right now. You can still contact support.",
    type_question: "Type your question to see matching articles.",
    no_match_short: "No articles match.",
    one_article: "1 article",
    n_articles: "{n} articles",
    no_match_long: "No articles match your question. Try other words, or ask us directly:",
    contact_support: "Contact support",
    cant_find: "Can't find an answer?",
    your_requests_n: "Your requests ({n})",
    loading_article: "Loading article…",
    article_failed: "This article could not be loaded ({error}).",
    back_to_results: "← Back to results",
    open_in_help_centre: "Open in the help centre",
    did_this_solve: "Did this solve your problem?",
    yes: "Yes",
    no: "No",
    thanks_solved: "Great — glad that solved it. Thanks for letting us know!",
    sorry_not_solved: "Sorry this didn't solve it.",
    what_was_wrong: "What was wrong with it? (optional)",
    might_help_instead: "These might help instead:",
    or_ask_support: "Or ask our support team — they'll see what you've already tried.",
    reasons: [
        "unclear",
        "doesn't match my problem",
        "didn't work",
        "outdated",
    ],
    back: "← Back",
    subject: "Subject",
    last_chance: "Before you send — do any of these answer it?",
    describes_it: "What best describes it?",
    categories: [
        "Something is broken",
        "How do I…",
        "Installation or setup",
        "Billing or account",
        "The documentation is unclear",
        "Feature request",
    ],
    details_optional: "Details (optional)",
    name_optional: "Your name (optional)",
    email: "Your e-mail",
    email_from_account: "From your account: we'll reply to this address.",
    attached_trail: "Attached so you don't have to repeat yourself",
    nothing_tried: "Nothing yet — you haven't searched or read any articles.",
    send_by_email: "Send by e-mail",
    send_request: "Send request",
    error_subject_empty: "Please say in a few words what the problem is.",
    error_too_long: "Please keep this to {max} characters (it has {n}).",
    error_email: "Please enter an e-mail address like name@example.com, so we can reply.",
    error_category: "Please choose what best describes the problem.",
    error_other: "This field {message}.",
    trail_searched: "Searched for “{query}”",
    trail_read: "Read “{title}” ({time})",
    trail_helped: " — said it helped",
    trail_not_helped: " — said it did not help",
    trail_not_helped_because: " — said it did not help ({reason})",
    minutes_seconds: "{m} min {s} s",
    seconds: "{s} s",
    mail_problem_type: "Type of problem",
    mail_tried_first: "What I tried first",
    mail_reference: "Reference",
    status_sent: "Received by our support team.",
    status_emailed: "Handed to your e-mail program.",
    status_rejected: "Our support desk could not accept it. Please send it by e-mail instead.",
    status_sending: "Sending…",
    status_queued:
        "Saved on this device; we'll keep trying to send it, also after you leave this page.",
    status_queued_unsaved:
        "Not sent yet, and this browser cannot store it: we keep trying while this page is open. You can also send it by e-mail.",
    expect_reply_by: "Expect a reply by {when}.",
    send_by_email_instead: "Send it by e-mail instead",
    saving_request: "Saving your request…",
    ack_heading: "Thanks — we've got your request",
    ack_heading_sending: "Sending your request…",
    ack_heading_saved: "Your request is saved on this device and will be sent",
    ack_heading_unsaved: "Your request has not been sent yet",
    ack_heading_emailed: "Your request is ready to send from your e-mail program",
    ack_heading_rejected: "Your request could not be delivered",
    your_reference: "Your reference is {reference}.",
    ack_trail: "We've attached what you already tried, so you won't have to explain it again.",
    back_to_articles: "Back to help articles",
    sent_at: "Sent {when}",
    your_requests: "Your requests",
    replies_by_email:
        "Replies come to your e-mail. Quote the reference if you write to us about one.",
    online_reply: "We're online now; expect a reply by {when}.",
    online: "We're online now.",
    offline_reply: "We're offline until {opens}; expect a reply by {when}.",
    offline: "We're offline until {opens}.",
    no_hours: "Support hours are not available; we'll reply as soon as we can.",
    today: "today",
    tomorrow: "tomorrow",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    long_date: "{weekday} {day} {month}",
    context_suggestions: "Suggested for this page",
    did_you_mean: "Did you mean “{suggestion}”?",
    announce_article: "Article: {title}",
    announce_contact: "Contact support form. What you already tried is attached.",
};

/// German.
pub static DE: Texts = Texts {
    help: "Hilfe",
    close_help: "Hilfe schließen",
    heading: "Wie können wir helfen?",
    search_label: "Hilfeartikel durchsuchen",
    search_placeholder: "Beschreiben Sie Ihr Problem, z. B. Passwort zurücksetzen",
    suggestions_label: "Vorgeschlagene Artikel",
    loading_articles: "Hilfeartikel werden geladen …",
    search_unavailable: "Die Suche ist gerade nicht verfügbar. Sie können den Support trotzdem kontaktieren.",
    type_question: "Geben Sie Ihre Frage ein, um passende Artikel zu sehen.",
    no_match_short: "Keine passenden Artikel.",
    one_article: "1 Artikel",
    n_articles: "{n} Artikel",
    no_match_long: "Keine Artikel passen zu Ihrer Frage. Versuchen Sie andere Wörter oder fragen Sie uns direkt:",
    contact_support: "Support kontaktieren",
    cant_find: "Keine Antwort gefunden?",
    your_requests_n: "Ihre Anfragen ({n})",
    loading_article: "Artikel wird geladen …",
    article_failed: "Dieser Artikel konnte nicht geladen werden ({error}).",
    back_to_results: "← Zurück zu den Ergebnissen",
    open_in_help_centre: "Im Hilfe-Center öffnen",
    did_this_solve: "Hat das Ihr Problem gelöst?",
    yes: "Ja",
    no: "Nein",
    thanks_solved: "Prima – schön, dass es geholfen hat. Danke für die Rückmeldung!",
    sorry_not_solved: "Schade, dass es nicht geholfen hat.",
    what_was_wrong: "Was hat nicht gepasst? (optional)",
    might_help_instead: "Vielleicht hilft stattdessen:",
    or_ask_support: "Oder fragen Sie unser Support-Team – es sieht, was Sie schon versucht haben.",
    reasons: ["unklar", "passt nicht zu meinem Problem", "hat nicht funktioniert", "veraltet"],
    back: "← Zurück",
    subject: "Betreff",
    last_chance: "Bevor Sie absenden – beantwortet einer dieser Artikel Ihre Frage?",
    describes_it: "Was beschreibt es am besten?",
    categories: [
        "Etwas funktioniert nicht",
        "Wie mache ich …",
        "Installation oder Einrichtung",
        "Abrechnung oder Konto",
        "Die Dokumentation ist unklar",
        "Funktionswunsch",
    ],
    details_optional: "Details (optional)",
    name_optional: "Ihr Name (optional)",
    email: "Ihre E-Mail-Adresse",
    email_from_account: "Aus Ihrem Konto: Wir antworten an diese Adresse.",
    attached_trail: "Wird angehängt, damit Sie nichts wiederholen müssen",
    nothing_tried: "Noch nichts – Sie haben weder gesucht noch Artikel gelesen.",
    send_by_email: "Per E-Mail senden",
    send_request: "Anfrage senden",
    error_subject_empty: "Bitte beschreiben Sie das Problem in wenigen Worten.",
    error_too_long: "Bitte höchstens {max} Zeichen (jetzt {n}).",
    error_email: "Bitte geben Sie eine E-Mail-Adresse wie name@example.com an, damit wir antworten können.",
    error_category: "Bitte wählen Sie, was das Problem am besten beschreibt.",
    error_other: "Dieses Feld: {message}.",
    trail_searched: "Gesucht nach „{query}“",
    trail_read: "„{title}“ gelesen ({time})",
    trail_helped: " – hat geholfen",
    trail_not_helped: " – hat nicht geholfen",
    trail_not_helped_because: " – hat nicht geholfen ({reason})",
    minutes_seconds: "{m} min {s} s",
    seconds: "{s} s",
    mail_problem_type: "Art des Problems",
    mail_tried_first: "Was ich schon versucht habe",
    mail_reference: "Referenz",
    status_sent: "Beim Support-Team eingegangen.",
    status_emailed: "An Ihr E-Mail-Programm übergeben.",
    status_rejected: "Unser Support-System konnte die Anfrage nicht annehmen. Bitte senden Sie sie per E-Mail.",
    status_sending: "Wird gesendet …",
    status_queued: "Auf diesem Gerät gespeichert; wir versuchen es weiter, auch wenn Sie die Seite verlassen.",
    status_queued_unsaved: "Noch nicht gesendet, und dieser Browser kann die Anfrage nicht speichern: Wir versuchen es weiter, solange diese Seite offen ist. Sie können sie auch per E-Mail senden.",
    expect_reply_by: "Antwort bis {when}.",
    send_by_email_instead: "Stattdessen per E-Mail senden",
    saving_request: "Anfrage wird gespeichert …",
    ack_heading: "Danke – Ihre Anfrage ist bei uns",
    ack_heading_sending: "Ihre Anfrage wird gesendet …",
    ack_heading_saved: "Ihre Anfrage ist auf diesem Gerät gespeichert und wird gesendet",
    ack_heading_unsaved: "Ihre Anfrage ist noch nicht gesendet",
    ack_heading_emailed: "Ihre Anfrage liegt in Ihrem E-Mail-Programm zum Senden bereit",
    ack_heading_rejected: "Ihre Anfrage konnte nicht zugestellt werden",
    your_reference: "Ihre Referenz ist {reference}.",
    ack_trail: "Wir haben angehängt, was Sie schon versucht haben – Sie müssen es nicht noch einmal erklären.",
    back_to_articles: "Zurück zu den Hilfeartikeln",
    sent_at: "Gesendet {when}",
    your_requests: "Ihre Anfragen",
    replies_by_email: "Antworten kommen per E-Mail. Nennen Sie die Referenz, wenn Sie uns dazu schreiben.",
    online_reply: "Wir sind gerade erreichbar; Antwort bis {when}.",
    online: "Wir sind gerade erreichbar.",
    offline_reply: "Wir sind bis {opens} nicht erreichbar; Antwort bis {when}.",
    offline: "Wir sind bis {opens} nicht erreichbar.",
    no_hours: "Keine Supportzeiten verfügbar; wir antworten so bald wie möglich.",
    today: "heute",
    tomorrow: "morgen",
    weekdays: ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    months: [
        "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
        "Oktober", "November", "Dezember",
    ],
    long_date: "{weekday}, {day}. {month}",
    context_suggestions: "Passend zu dieser Seite",
    did_you_mean: "Meinten Sie „{suggestion}“?",
    announce_article: "Artikel: {title}",
    announce_contact: "Formular an den Support. Was Sie schon versucht haben, wird mitgeschickt.",
};

/// French.
pub static FR: Texts = Texts {
    help: "Aide",
    close_help: "Fermer l’aide",
    heading: "Comment pouvons-nous vous aider ?",
    search_label: "Rechercher dans l’aide",
    search_placeholder: "Décrivez votre problème, p. ex. réinitialiser le mot de passe",
    suggestions_label: "Articles suggérés",
    loading_articles: "Chargement des articles d’aide…",
    search_unavailable:
        "La recherche est indisponible pour le moment. Vous pouvez toujours contacter le support.",
    type_question: "Saisissez votre question pour voir les articles correspondants.",
    no_match_short: "Aucun article ne correspond.",
    one_article: "1 article",
    n_articles: "{n} articles",
    no_match_long:
        "Aucun article ne correspond à votre question. Essayez d’autres mots, ou écrivez-nous :",
    contact_support: "Contacter le support",
    cant_find: "Pas de réponse ?",
    your_requests_n: "Vos demandes ({n})",
    loading_article: "Chargement de l’article…",
    article_failed: "Impossible de charger cet article ({error}).",
    back_to_results: "← Retour aux résultats",
    open_in_help_centre: "Ouvrir dans le centre d’aide",
    did_this_solve: "Cela a-t-il résolu votre problème ?",
    yes: "Oui",
    no: "Non",
    thanks_solved: "Parfait, ravi que cela ait aidé. Merci de nous l’avoir dit !",
    sorry_not_solved: "Désolé que cela n’ait pas suffi.",
    what_was_wrong: "Qu’est-ce qui n’allait pas ? (facultatif)",
    might_help_instead: "Ceci pourrait vous aider :",
    or_ask_support: "Ou demandez à notre équipe : elle verra ce que vous avez déjà essayé.",
    reasons: [
        "pas clair",
        "ne correspond pas à mon problème",
        "n’a pas fonctionné",
        "obsolète",
    ],
    back: "← Retour",
    subject: "Objet",
    last_chance: "Avant d’envoyer : l’un de ces articles répond-il à votre question ?",
    describes_it: "Qu’est-ce qui le décrit le mieux ?",
    categories: [
        "Quelque chose ne fonctionne pas",
        "Comment faire…",
        "Installation ou configuration",
        "Facturation ou compte",
        "La documentation n’est pas claire",
        "Suggestion de fonctionnalité",
    ],
    details_optional: "Détails (facultatif)",
    name_optional: "Votre nom (facultatif)",
    email: "Votre e-mail",
    email_from_account: "Issue de votre compte : nous répondrons à cette adresse.",
    attached_trail: "Joint à votre demande pour que vous n’ayez rien à répéter",
    nothing_tried: "Rien pour l’instant : vous n’avez ni cherché ni lu d’article.",
    send_by_email: "Envoyer par e-mail",
    send_request: "Envoyer la demande",
    error_subject_empty: "Indiquez en quelques mots quel est le problème.",
    error_too_long: "{max} caractères au maximum (actuellement {n}).",
    error_email:
        "Saisissez une adresse e-mail comme nom@example.com pour que nous puissions répondre.",
    error_category: "Choisissez ce qui décrit le mieux le problème.",
    error_other: "Ce champ : {message}.",
    trail_searched: "Recherche « {query} »",
    trail_read: "Lu « {title} » ({time})",
    trail_helped: " — a aidé",
    trail_not_helped: " — n’a pas aidé",
    trail_not_helped_because: " — n’a pas aidé ({reason})",
    minutes_seconds: "{m} min {s} s",
    seconds: "{s} s",
    mail_problem_type: "Type de problème",
    mail_tried_first: "Ce que j’ai déjà essayé",
    mail_reference: "Référence",
    status_sent: "Reçue par notre équipe support.",
    status_emailed: "Transmise à votre messagerie.",
    status_rejected: "Notre outil de support n’a pas pu l’accepter. Envoyez-la plutôt par e-mail.",
    status_sending: "Envoi…",
    status_queued:
        "Enregistrée sur cet appareil ; nous réessaierons de l’envoyer, même après votre départ.",
    status_queued_unsaved:
        "Pas encore envoyée, et ce navigateur ne peut pas l’enregistrer : nous réessayons tant que cette page reste ouverte. Vous pouvez aussi l’envoyer par e-mail.",
    expect_reply_by: "Réponse attendue d’ici {when}.",
    send_by_email_instead: "L’envoyer plutôt par e-mail",
    saving_request: "Enregistrement de votre demande…",
    ack_heading: "Merci, nous avons bien reçu votre demande",
    ack_heading_sending: "Envoi de votre demande…",
    ack_heading_saved: "Votre demande est enregistrée sur cet appareil et sera envoyée",
    ack_heading_unsaved: "Votre demande n’est pas encore envoyée",
    ack_heading_emailed: "Votre demande est prête à partir depuis votre messagerie",
    ack_heading_rejected: "Votre demande n’a pas pu être transmise",
    your_reference: "Votre référence est {reference}.",
    ack_trail: "Nous avons joint ce que vous avez déjà essayé : inutile de le réexpliquer.",
    back_to_articles: "Retour aux articles d’aide",
    sent_at: "Envoyée {when}",
    your_requests: "Vos demandes",
    replies_by_email:
        "Les réponses arrivent par e-mail. Citez la référence si vous nous écrivez à ce sujet.",
    online_reply: "Nous sommes disponibles ; réponse attendue d’ici {when}.",
    online: "Nous sommes disponibles.",
    offline_reply: "Nous sommes absents jusqu’à {opens} ; réponse attendue d’ici {when}.",
    offline: "Nous sommes absents jusqu’à {opens}.",
    no_hours: "Horaires du support indisponibles ; nous répondrons dès que possible.",
    today: "aujourd’hui",
    tomorrow: "demain",
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    long_date: "{weekday} {day} {month}",
    context_suggestions: "Suggestions pour cette page",
    did_you_mean: "Vouliez-vous dire « {suggestion} » ?",
    announce_article: "Article : {title}",
    announce_contact: "Formulaire de contact du support. Ce que vous avez déjà essayé y est joint.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use deflect_journey::SupportPolicy;

    #[test]
    fn locales_are_negotiated_from_tags() {
        assert_eq!(Locale::negotiate(["de-CH", "en"]), Locale::De);
        assert_eq!(Locale::negotiate(["pt-BR", "fr-FR"]), Locale::Fr);
        assert_eq!(Locale::negotiate(["ja"]), Locale::En);
        assert_eq!(Locale::from_tag("EN_gb"), Some(Locale::En));
    }

    fn schedule() -> deflect_journey::SupportSchedule {
        SupportPolicy {
            time_zone: "Europe/Berlin".into(),
            time_zone_rules: None,
            hours: [("mon-fri".to_string(), "09:00-17:00".to_string())].into(),
            holidays: vec![],
            response_targets: [("default".to_string(), "4h".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap()
    }

    #[test]
    fn clock_time_matches_strftime() {
        let zone = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        for at in [
            "2026-11-23T08:05:00Z",
            "2026-07-01T21:59:59Z",
            "2026-03-29T01:00:00Z",
        ] {
            let z = at
                .parse::<jiff::Timestamp>()
                .unwrap()
                .to_zoned_datetime(zone.clone());
            assert_eq!(
                clock_time(&z),
                z.strftime("%H:%M %Z").to_string(),
                "at {at}"
            );
        }
    }

    #[test]
    fn the_english_expectation_names_the_day_and_the_zone() {
        let s = schedule();
        for (at, words) in [
            (
                "2026-11-23T09:00:00Z",
                "We're online now; expect a reply by today 14:00 CET.",
            ),
            (
                "2026-11-23T15:30:00Z",
                "We're online now; expect a reply by tomorrow 12:30 CET.",
            ),
            (
                "2026-11-27T17:00:00Z",
                "We're offline until Monday 09:00 CET; expect a reply by Monday 13:00 CET.",
            ),
            (
                "2026-11-24T06:00:00Z",
                "We're offline until today 09:00 CET; expect a reply by today 13:00 CET.",
            ),
        ] {
            let e = s.expectation(at.parse().unwrap(), None);
            assert_eq!(EN.expectation(&e), words, "at {at}");
        }
        let no_hours = SupportPolicy {
            time_zone: "UTC".into(),
            time_zone_rules: None,
            hours: Default::default(),
            holidays: vec![],
            response_targets: [("default".to_string(), "4h".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap()
        .expectation("2026-11-23T09:00:00Z".parse().unwrap(), None);
        assert_eq!(EN.expectation(&no_hours), EN.no_hours);
    }

    #[test]
    fn other_locales_name_days_in_their_language() {
        let e = schedule().expectation("2026-11-27T17:00:00Z".parse().unwrap(), None);
        assert_eq!(
            DE.expectation(&e),
            "Wir sind bis Montag 09:00 CET nicht erreichbar; Antwort bis Montag 13:00 CET."
        );
        assert_eq!(
            FR.expectation(&e),
            "Nous sommes absents jusqu’à lundi 09:00 CET ; réponse attendue d’ici lundi 13:00 CET."
        );
        let far: Date = "2026-12-07".parse().unwrap();
        assert_eq!(DE.long_date(far), "Montag, 7. Dezember");
        assert_eq!(
            EN.relative_day("2026-11-23".parse().unwrap(), far),
            "Monday 7 December"
        );
    }

    #[test]
    fn every_template_keeps_its_placeholders() {
        for t in [&EN, &DE, &FR] {
            for (template, names) in [
                (t.n_articles, &["{n}"][..]),
                (t.your_requests_n, &["{n}"]),
                (t.error_too_long, &["{max}", "{n}"]),
                (t.trail_searched, &["{query}"]),
                (t.trail_read, &["{title}", "{time}"]),
                (t.online_reply, &["{when}"]),
                (t.offline_reply, &["{opens}", "{when}"]),
                (t.your_reference, &["{reference}"]),
                (t.did_you_mean, &["{suggestion}"]),
                (t.announce_article, &["{title}"]),
                (t.long_date, &["{weekday}", "{day}", "{month}"]),
            ] {
                for n in names {
                    assert!(template.contains(n), "{template:?} lacks {n}");
                }
            }
        }
    }
}

"""The columns we read from each file of a LinkedIn export, with the header
names LinkedIn used over the years and in its English, French, German and
Spanish exports (compared folded: no case, accents or punctuation)."""

from __future__ import annotations

from server.services.linkedin.csvread import fold

_FILES: dict[str, dict[str, tuple[str, ...]]] = {
    "profile": {
        "first_name": ("First Name", "Prénom", "Vorname", "Nombre"),
        "last_name": ("Last Name", "Nom", "Nachname", "Apellidos"),
        "headline": ("Headline", "Titre", "Titre du profil", "Überschrift", "Titular"),
        "summary": ("Summary", "Résumé", "Zusammenfassung", "Info", "Extracto", "Acerca de"),
        "industry": ("Industry", "Secteur", "Branche", "Sector"),
        "location": ("Geo Location", "Location", "Lieu", "Zone géographique", "Ort", "Ubicación"),
    },
    "positions": {
        "organization": (
            "Company Name", "Company", "Nom de l'entreprise", "Entreprise",
            "Unternehmensname", "Unternehmen", "Nombre de la empresa", "Empresa",
        ),
        "title": ("Title", "Titre", "Intitulé du poste", "Titel", "Position", "Cargo", "Título"),
        "description": ("Description", "Beschreibung", "Descripción"),
        "location": ("Location", "Lieu", "Ort", "Standort", "Ubicación"),
        "start": (
            "Started On", "Start Date", "Commencé le", "Date de début", "Begonnen am",
            "Startdatum", "Fecha de inicio", "Comenzado el",
        ),
        "end": (
            "Finished On", "End Date", "Terminé le", "Date de fin", "Beendet am", "Enddatum",
            "Fecha de finalización", "Terminado el",
        ),
    },
    "education": {
        "school": (
            "School Name", "School", "Nom de l'établissement", "Établissement", "École",
            "Name der Bildungseinrichtung", "Schule", "Hochschule", "Nombre de la institución",
            "Institución educativa",
        ),
        "degree": ("Degree Name", "Degree", "Diplôme", "Nom du diplôme", "Abschluss", "Titulación"),
        "field": ("Field Of Study", "Field of Study", "Domaine d'études", "Fachrichtung",
                  "Disciplina académica"),
        "start": ("Start Date", "Started On", "Date de début", "Startdatum", "Beginn",
                  "Fecha de inicio"),
        "end": ("End Date", "Finished On", "Date de fin", "Enddatum", "Ende",
                "Fecha de finalización"),
        "notes": ("Notes", "Remarques", "Notizen", "Notas"),
    },
    "skills": {"name": ("Name", "Skill", "Nom", "Compétence", "Kenntnis", "Nombre", "Aptitud")},
    "languages": {
        "name": ("Name", "Language", "Nom", "Langue", "Sprache", "Nombre", "Idioma"),
        "proficiency": ("Proficiency", "Niveau", "Compétence", "Kenntnisstand", "Nivel"),
    },
    "certifications": {
        "name": ("Name", "Nom", "Nombre", "Titel"),
        "url": ("Url", "URL"),
        "authority": ("Authority", "Organisme", "Autorité", "Aussteller", "Organización emisora"),
        "start": ("Started On", "Commencé le", "Begonnen am", "Fecha de inicio"),
        "end": ("Finished On", "Terminé le", "Beendet am", "Fecha de finalización"),
        "license": ("License Number", "Numéro de licence", "Lizenznummer",
                    "Número de licencia"),
    },
    "connections": {
        "first_name": ("First Name", "Prénom", "Vorname", "Nombre"),
        "last_name": ("Last Name", "Nom", "Nom de famille", "Nachname", "Apellidos"),
        "url": ("URL", "Profile URL", "URL du profil", "Profil-URL"),
        "email": ("Email Address", "E-mail Address", "Adresse e-mail", "Adresse email",
                  "E-Mail-Adresse", "Dirección de correo electrónico"),
        "company": ("Company", "Entreprise", "Unternehmen", "Empresa"),
        "position": ("Position", "Poste", "Cargo"),
        "connected_on": ("Connected On", "Connecté le", "Date de connexion", "Verbunden am",
                         "Vernetzt am", "Conectado el", "Fecha de conexión"),
    },
    "recommendations": {
        "first_name": ("First Name", "Prénom", "Vorname", "Nombre"),
        "last_name": ("Last Name", "Nom", "Nachname", "Apellidos"),
        "company": ("Company", "Entreprise", "Unternehmen", "Empresa"),
        "job_title": ("Job Title", "Title", "Poste", "Intitulé du poste", "Position", "Cargo"),
        "text": ("Text", "Texte", "Recommendation", "Recommandation", "Empfehlung", "Texto"),
        "written_on": ("Creation Date", "Date", "Date de création", "Erstellungsdatum",
                       "Fecha de creación"),
        "status": ("Status", "Statut", "Estado"),
    },
}  # fmt: skip

# The file names a kind of data has had (lower case, as the archive keys them).
FILES: dict[str, tuple[str, ...]] = {
    "profile": ("profile.csv",),
    "positions": ("positions.csv",),
    "education": ("education.csv",),
    "skills": ("skills.csv",),
    "languages": ("languages.csv",),
    "certifications": ("certifications.csv",),
    "connections": ("connections.csv",),
    "recommendations": ("recommendations_received.csv", "recommendations received.csv"),
}

# How many known columns make a row the header row, per kind.
NEEDED = {"skills": 1, "languages": 1, "certifications": 1}


def aliases(kind: str) -> dict[str, str]:
    """Folded header -> canonical column, for one kind of file."""
    return {fold(alias): column for column, names in _FILES[kind].items() for alias in names}

"""Word lists the demo generator draws realistic values from."""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily "
    "Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa "
    "Timothy Deborah Ronald Stephanie Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia "
    "Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry "
    "Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory "
    "Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Maria Dennis "
    "Olivia Jerry Heather Tyler Diane Aaron Julie Jose Joyce Adam Victoria Nathan Kelly Henry "
    "Christina Zachary Lauren Douglas Joan Peter Evelyn Kyle Judith Noah Megan Ethan Andrea "
    "Jeremy Cheryl Walter Hannah Christian Jacqueline Keith Martha Roger Gloria Terry Teresa "
    "Austin Ann Sean Sara Gerald Madison Carl Frances Harold Kathryn Dylan Janice Arthur Jean "
    "Lawrence Abigail Jordan Alice Jesse Judy Bryan Sophia Billy Grace Bruce Denise Gabriel "
    "Amber Joe Doris Logan Marilyn Alan Danielle Juan Beverly Albert Isabella Willie Theresa "
    "Elijah Diana Wayne Natalie Randy Brittany Vincent Charlotte Mason Marie Roy Kayla Ralph"
)

LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry "
    "Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons "
    "Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West "
    "Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro "
    "Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry"
)

CITIES = _words(
    "Kansas City|Independence|Lee's Summit|Overland Park|Olathe|Blue Springs|Liberty|Raytown|"
    "Grandview|Gladstone|Belton|Shawnee|Lenexa|Leawood|Parkville|Riverside|North Kansas City|"
    "Grain Valley|Platte City|Smithville|Kearney|Excelsior Springs|Peculiar|Raymore|Harrisonville",
    "|",
)

STATES = ["MO", "KS", "IL", "IA", "NE", "OK", "AR", "TN", "KY"]
STATE_WEIGHTS = [0.55, 0.35, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01]

EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "kc.rr.com"]

COMPANY_WORDS = _words(
    "Acme Summit Heartland Prairie Riverbend Crossroads Union Pioneer Gateway Frontier Liberty "
    "Northstar Keystone Beacon Harbor Cornerstone Meridian Evergreen Horizon Landmark Legacy "
    "Midwest Plaza Crown Sterling Atlas Vantage Apex Compass Bridge"
)
COMPANY_SUFFIXES = [
    "Bank",
    "Health",
    "Engineering",
    "Foundation",
    "Logistics",
    "Software",
    "Partners",
    "Community Center",
    "Insurance",
    "Manufacturing",
    "Credit Union",
    "Architects",
]
INDUSTRIES = [
    "Banking",
    "Healthcare",
    "Engineering",
    "Nonprofit",
    "Transportation",
    "Technology",
    "Consulting",
    "Education",
    "Insurance",
    "Manufacturing",
    "Government",
    "Retail",
]
ORG_TYPES = ["Business", "Nonprofit", "Government", "Education", "Faith-based", "Other"]
ORG_TYPE_WEIGHTS = [0.55, 0.2, 0.08, 0.1, 0.04, 0.03]

SCHOOL_KINDS = ["Elementary", "Middle", "High", "K-8", "K-12"]
SCHOOL_KIND_WEIGHTS = [0.55, 0.2, 0.17, 0.05, 0.03]
SCHOOL_GRADES = {"Elementary": (0, 5), "Middle": (6, 8), "High": (9, 12), "K-8": (0, 8),
                 "K-12": (0, 12)}  # fmt: skip
SCHOOL_NAME_SUFFIX = {
    "Elementary": "Elementary", "Middle": "Middle School", "High": "High School",
    "K-8": "Academy", "K-12": "Charter School",
}  # fmt: skip

EVENT_TYPES = [
    "Career Fair",
    "Classroom Speaker",
    "Mentoring",
    "Field Trip",
    "Workshop",
    "Tutoring",
    "Job Shadow",
]
CANCEL_REASONS = [
    "Weather",
    "School closure",
    "Speaker unavailable",
    "Low registration",
    "Venue unavailable",
]
PARTICIPANT_ROLES = ["Speaker", "Mentor", "Presenter", "Helper", "Judge", "Lead"]
SUBJECTS = [
    "Math",
    "Science",
    "English",
    "History",
    "Art",
    "Music",
    "Physical Education",
    "Computer Science",
    "Special Education",
    "World Languages",
]
GENDERS = ["Female", "Male", "Non-binary", "Prefer not to say", "female", "male"]
GENDER_WEIGHTS = [0.44, 0.44, 0.03, 0.03, 0.03, 0.03]
BACKGROUND_STATUSES = ["Not Started", "In Progress", "Cleared", "Failed", "Expired"]

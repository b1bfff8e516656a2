"""Speaker names: titles and roles split off, keys for the store, bare surnames resolved to full names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Honorifics and office titles that may stand in front of a name ("Sen. Jane Roe", "Prime Minister Jo Bloggs").
# Lower-case keys; a trailing period is ignored when matching.
TITLE_WORDS: frozenset[str] = frozenset(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady sen senator rep representative gov governor
    president premier mayor minister prime pm secretary ambassador chancellor chief judge justice
    commissioner director chairman chairwoman chairperson chair coach sheriff pope king queen prince
    princess officer detective constable sergeant sgt inspector superintendent councillor councilor
    alderman mp mpp mla mna mep lieutenant lt general gen admiral adm colonel col captain capt major maj
    corporal cpl private pte rev reverend father bishop archbishop cardinal rabbi imam pastor speaker
    leader spokesman spokeswoman spokesperson ceo cfo coo cto chargé chargée envoy deputy vice acting
    interim attorney counsel principal dean provost chancellor trustee magistrate marshal commander
    commandant ayatollah sheikh emir crown hon honourable honorable tanaiste taoiseach
    """.split()
)

# Words that only make sense inside a title ("Secretary of State", "Attorney General", "Chargé d'Affaires").
_TITLE_TAIL = frozenset({"general", "d'affaires", "d’affaires", "of", "state", "defence", "defense", "affairs"})

# Nouns that head a role phrase ("press secretary", "executive director of the board").
ROLE_NOUNS: frozenset[str] = frozenset(
    """
    secretary spokesman spokeswoman spokesperson spokespeople commander leader director minister president
    ambassador chief chair chairman chairwoman chairperson ceo cfo coo cto founder co-founder cofounder
    owner manager head officer official lawyer attorney counsel professor researcher scientist economist
    analyst strategist advocate activist organizer organiser coordinator co-ordinator administrator
    senator governor mayor premier councillor councilor diplomat envoy general colonel captain coach
    player captain teammate defenceman defenseman forward goaltender goalie pitcher quarterback teacher
    principal doctor physician nurse surgeon psychologist psychiatrist expert author writer editor
    columnist reporter journalist producer artist cartoonist actor actress singer musician entrepreneur
    partner president-elect vice-president executive investigator detective inspector constable sergeant
    superintendent commissioner judge justice magistrate prosecutor attorney-general critic mp mpp mla
    candidate member resident student mother father dad mom mum son daughter wife husband sister brother
    friend neighbour neighbor owner proprietor publisher fellow dean chancellor provost trustee
    representative consultant engineer planner manager pastor priest bishop rabbi imam chaplain
    striker midfielder defender winger goalkeeper keeper rookie veteran skipper jockey driver rider
    runner swimmer skier skater golfer boxer fighter wrestler athlete cyclist sprinter
    farmer fisherman fisher firefighter paramedic pilot worker homeowner tenant landlord shopkeeper
    retiree pensioner voter survivor victim witness volunteer organizer organiser host chef baker
    designer architect photographer filmmaker director-general novelist poet comedian broadcaster
    commentator pundit historian professor lecturer instructor tutor coach trainer nurse midwife
    pharmacist dentist veterinarian vet therapist counsellor counselor social paralegal clerk
    accountant banker broker trader investor developer programmer technician mechanic electrician
    plumber carpenter contractor builder miner logger rancher grower vendor merchant retailer
    grandmother grandfather grandson granddaughter aunt uncle niece nephew cousin widow widower
    girlfriend boyfriend fiancé fiancée spouse partner citizen inmate prisoner patient passenger
    commuter motorist cyclist pedestrian bystander neighbour spokesperson co-chair vice-chair
    """.split()
)

# Trailing generational suffixes dropped from keys.
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_APPOSITIVE = re.compile(r"^\s*(?P<name>[^,]+?)\s*,\s*(?P<role>.+?)\s*,?\s*$")


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _is_title(word: str) -> bool:
    return word.rstrip(".").lower() in TITLE_WORDS


@lru_cache(maxsize=4096)
def speaker_key(name: str) -> str:
    """Return a normalized key for a speaker name: accents stripped, lower case, titles and suffixes dropped."""
    s = _strip_accents(unicodedata.normalize("NFKC", name or "")).lower()
    s = re.sub(r"['’]s\b", "", s)
    toks = _WORD.findall(s)
    while len(toks) > 1 and (toks[0] in TITLE_WORDS or toks[0] in _TITLE_TAIL or toks[0] == "the"):
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in _SUFFIXES:
        toks = toks[:-1]
    return " ".join(toks)


def resolve_speaker(name: str, known: Iterable[str]) -> str | None:
    """Return the known full name that ``name`` (a bare surname or shorter form) refers to, if unambiguous."""
    key = speaker_key(name)
    if not key:
        return None
    toks = key.split()
    exact: list[str] = []
    suffix: list[str] = []
    first: list[str] = []
    for cand in known:
        ck = speaker_key(cand)
        if not ck:
            continue
        if ck == key:
            exact.append(cand)
            continue
        ct = ck.split()
        if len(ct) > len(toks) and ct[-len(toks):] == toks:
            suffix.append(cand)
        elif len(toks) == 1 and len(ct) == 2 and ct[0] == toks[0]:
            # A lone first token of a two-word name: a given name, or a family name written first.
            first.append(cand)
    for group in (exact, suffix, first):
        distinct = {speaker_key(c) for c in group}
        if len(distinct) == 1:
            # Prefer the longest spelling of the same person ("Antony J. Blinken" over "Antony Blinken").
            return max(group, key=len)
        if len(distinct) > 1:
            return None
    return None


def split_role(mention: str) -> tuple[str | None, str]:
    """Split a mention into (role, name): "Secretary of State Jo Roe" -> ("Secretary of State", "Jo Roe")."""
    text = mention.strip()
    m = _APPOSITIVE.match(text)
    if m and _looks_like_name(m.group("name")) and not _looks_like_name(m.group("role")):
        inner_role, name = split_role(m.group("name"))
        return (inner_role or m.group("role")), name
    words = text.split()
    lead = 0
    while lead < len(words) - 2 and words[lead].lower() in ROLE_NOUNS and not _is_title(words[lead]) and \
            words[lead + 1].lower() not in ("of", "for", "and", "to", "at"):
        # "Striker Dario Mensch", "Resident Greta Voll": a role noun capitalized at the start of a sentence.
        lead += 1
    if lead and all(w[:1].isupper() for w in words[lead:]):
        inner_role, name = split_role(" ".join(words[lead:]))
        role = " ".join(words[:lead])
        return (f"{role} {inner_role}" if inner_role else role), name
    # The name is what follows the last title word; "of"-phrases after a title belong to the title.
    last = -1
    for i, w in enumerate(words):
        lw = w.rstrip(".").lower()
        if lw in TITLE_WORDS or (last == i - 1 and lw in _TITLE_TAIL):
            last = i
    if last < 0 or last == len(words) - 1:
        return None, text
    rest = words[last + 1 :]
    if words[last].lower() == "of" or (last + 1 < len(words) and words[last + 1].lower() == "of"):
        # "Minister of Foreign Affairs Wen Li": keep the last two capitalized words as the name.
        rest = words[-2:] if len(words) - last > 2 else rest
        last = len(words) - len(rest) - 1
    role = " ".join(words[: last + 1]).strip(" ,")
    return (role or None), " ".join(rest)


def _looks_like_name(s: str) -> bool:
    words = [w for w in s.split() if w]
    if not words or len(words) > 5:
        return False
    caps = [w for w in words if w[0].isupper()]
    return len(caps) == len(words) and not any(_is_title(w) for w in words)


# Common given names by gender, for pronoun agreement ("Jo Roe ... she said"). Lower case, accents stripped.
# Names used for both genders (Jordan, Alex, Robin, Jean, ...) are left out on purpose.
_FEMALE_NAMES: frozenset[str] = frozenset(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra
    ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca sharon laura
    cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma samantha katherine christine
    debra rachel catherine carolyn janet ruth maria heather diane virginia julie joyce victoria olivia
    christina lauren joan evelyn judith megan cheryl andrea hannah martha jacqueline frances gloria ann
    teresa kathryn sara janice julia grace judy theresa madison beverly denise marilyn amber danielle rose
    brittany diana abigail natalie jane lori tiffany kayla sophia marie isabella charlotte ava mia
    chloe ella lily zoe leah audrey claire caroline alice lucy ellie stella hazel violet aurora penelope
    naomi elena valentina gabriella camila sofia lucia paula monica veronica sylvia wendy dawn tracy
    stacy stacey tina rita gina carla sheila irene ellen joanne yvonne louise anne annie jill kristen
    kristin kathy cathy colleen maureen eileen bonnie peggy marion nora agnes edith ethel gladys lillian
    florence doris mildred bernice vera lucille esther pauline norma phyllis geraldine lorraine elaine
    josephine rosemary chantal genevieve isabelle sophie nathalie sylvie valerie celine
    helene francoise martine monique brigitte mireille josee manon melanie caroline julie karine annick
    fatima aisha ayesha amina zainab maryam leila layla yasmin noor priya anjali pooja deepa sunita
    kavita neha meera lakshmi mei ling yuki keiko sakura hana ingrid astrid greta heidi freya sigrid
    katrin petra ilse ursula birgit anke olga natasha tatiana svetlana irina oksana katya anastasia
    magdalena agnieszka katarzyna malgorzata beata ewa daniela gabriela carmen dolores pilar rosa
    lourdes guadalupe ana beatriz fernanda mariana catalina adriana alejandra marisol esperanza
    kathleen melanie catherine christy rachel deb kirsty jenny jenna jen becky kate katie
    meghan megan erin shannon siobhan bridget molly maggie tara fiona kirsten lindsay lindsey whitney
    courtney brooke paige haley hailey kaitlyn caitlin kaitlin jasmine destiny serena venus

    """.split()
)
_MALE_NAMES: frozenset[str] = frozenset(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew
    anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason
    jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel
    gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas
    zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean austin carl
    arthur lawrence dylan jesse bryan joe billy bruce albert willie gabriel logan alan juan
    wayne elijah randy roy vincent ralph eugene russell bobby mason philip louis harry liam lucas oliver
    owen luke isaac caleb connor hunter ian evan wyatt levi colin cole blake brett chad craig curtis
    dale darren derek dean doug duncan dwight earl ed eddie fred glen glenn gordon grant greg hank howard
    hugh jim jimmy joel jon ken kurt lance leonard lloyd marcus martin max mitchell neil norman oscar
    perry phil ray rick ricky rob ron ross roy russ stan stuart ted todd tom tony travis trevor troy
    victor vince wade warren barry bernard bill bob brad calvin cameron chuck clarence clifford clint
    clyde darrell dave don doug drew elliot ernest floyd francis gene gilbert herbert jeff jerome
    jean-pierre jean-francois jean-marc jean-guy jean-luc pierre jacques francois andre michel luc marc
    yves rene denis gilles guy normand rejean sylvain stephane mathieu maxime olivier philippe sebastien
    alain benoit claude daniel gaston hubert laurent lucien marcel maurice raymond roland serge thierry
    mohammed mohammad muhammad mohamed ahmed ahmad ali omar hassan hussein khaled khalid
    abdullah ibrahim yusuf youssef mustafa mahmoud karim tariq hamza bilal rajesh raj rahul amit
    sanjay vijay arjun ravi suresh ramesh anil sunil deepak hiroshi takeshi kenji satoshi wei jun
    hans klaus jurgen wolfgang dieter helmut gunter stefan sven lars anders erik nils bjorn olaf
    ivan dmitri sergei vladimir alexei mikhail nikolai boris yuri igor andrei pavel piotr tomasz
    krzysztof marek jan pawel jakub carlos miguel luis jorge pedro manuel francisco antonio javier
    alejandro diego fernando ricardo roberto eduardo rafael sergio pablo raul enrique alfonso ramon
    mario giovanni giuseppe marco luca matteo alessandro lorenzo stefano
    justin doug andrew maxime jason seamus brendan declan kieran padraig rory
    conor shane darragh ciaran tyson mike dan steve chris matt nick jake josh ben sam
    tim greg pat ken andy randy danny tommy johnny bobby kyle serge
    sidney wayne mario mitch connor leon
    """.split()
)


def given_name_gender(word: str) -> str | None:
    """Return "f" or "m" when ``word`` is a common given name of one gender, else None."""
    first = speaker_key(word)
    if first in _FEMALE_NAMES and first not in _MALE_NAMES:
        return "f"
    if first in _MALE_NAMES and first not in _FEMALE_NAMES:
        return "m"
    return None


def first_name_gender(name: str) -> str | None:
    """Return "f" or "m" when a full name's first word is a common given name of one gender, else None."""
    toks = speaker_key(name).split()
    return given_name_gender(toks[0]) if len(toks) >= 2 else None

"""The fixed classification of the world: who migrates, where to, in which sectors.

Every array in the model indexes these tuples, so they are the vocabulary shared by
the parameters, the decision kernels and the indicators. Locations are coded as
small integers: 0 is "at home in the country of origin", then the eight host
regions of Kazakhstan, then the other destination countries.
"""

from __future__ import annotations

import numpy as np

# Countries of origin (ISO3). Kazakhstan is also an origin: its citizens emigrate.
ORIGINS: tuple[str, ...] = ("UZB", "TJK", "KGZ", "RUS", "CHN", "AZE", "KAZ")

# Destination countries. "EU" stands for the European Union; its drivers use Germany's
# series, the largest EU destination of Central Asian workers.
DEST_COUNTRIES: tuple[str, ...] = ("KAZ", "RUS", "KOR", "TUR", "ARE", "EU")

# Kazakhstan's main host regions, as in the IOM 2023 baseline mobility assessment.
REGIONS: tuple[str, ...] = (
    "almaty_city",
    "astana",
    "shymkent",
    "mangystau",
    "atyrau",
    "almaty_region",
    "karaganda",
    "rest_of_kazakhstan",
)

SECTORS: tuple[str, ...] = ("construction", "trade", "services", "industry", "agriculture", "it")

HOME = 0
LOCATIONS: tuple[str, ...] = ("home",) + tuple(f"KAZ:{r}" for r in REGIONS) + DEST_COUNTRIES[1:]
N_LOCATIONS = len(LOCATIONS)
KAZ_LOCATIONS = np.arange(1, 1 + len(REGIONS))  # location codes of Kazakhstan's regions

# Destination country of each location (-1 for home).
LOCATION_COUNTRY = np.array(
    [-1] + [0] * len(REGIONS) + list(range(1, len(DEST_COUNTRIES))), dtype=np.int8
)
# Region of each location (-1 outside Kazakhstan).
LOCATION_REGION = np.array(
    [-1] + list(range(len(REGIONS))) + [-1] * (len(DEST_COUNTRIES) - 1), dtype=np.int8
)

# Legal status while abroad. HOME_STATUS while at home.
STATUSES: tuple[str, ...] = (
    "home",
    "eaeu",  # EAEU citizen: free movement and work (Russia, Kyrgyzstan; Kazakhs in Russia)
    "patent",  # visa-free entry, working on a patent or permit (Uzbekistan, Tajikistan, Azerbaijan)
    "quota_permit",  # employer's work permit under the annual quota (China, skilled workers)
    "work_visa",  # employer-sponsored visa elsewhere (Korea EPS, UAE, EU)
    "visitor",  # entered visa-free, not (yet) allowed to work
    "irregular",  # overstayed or working without a permit
)
ST_HOME, ST_EAEU, ST_PATENT, ST_QUOTA, ST_WORK_VISA, ST_VISITOR, ST_IRREGULAR = range(7)

# Entry regimes of a corridor (origin -> destination country).
REGIMES: tuple[str, ...] = ("none", "eaeu", "patent", "quota", "visa_work", "visa_free", "visa")

INTENTIONS: tuple[str, ...] = ("circulate", "return", "stay", "move_on")
INT_CIRCULATE, INT_RETURN, INT_STAY, INT_MOVE_ON = range(4)

EDUCATION: tuple[str, ...] = ("lower_secondary", "upper_secondary", "tertiary")

# How a worker found the current job (IOM 2022 categories).
CHANNELS: tuple[str, ...] = ("none", "network_before", "network_after", "agency", "direct")
CH_NONE, CH_NETWORK_BEFORE, CH_NETWORK_AFTER, CH_AGENCY, CH_DIRECT = range(5)

# The World Bank series stand-ins for destination countries without their own.
SERIES_COUNTRY = {"EU": "DEU"}


def series_code(country: str) -> str:
    """ISO3 code whose World Bank series stand for a country or group."""
    return SERIES_COUNTRY.get(country, country)

"""The real article of docs/site.md §7, pinned in the replica as NewsId 809210."""

from datetime import UTC, datetime

from newsbot.replica.model import ArticleData, Image, paragraph

PINNED_SEED_ID = 809210

SEED_PARAGRAPHS = (
    "The Kremlin said Monday that cooperation with Turkey is a top priority, confirming a "
    "meeting between the Russian and Turkish presidents on Thursday over escalating tensions in "
    'Syria Russia attaches "great importance to cooperation with our Turkish partners," Kremlin '
    "spokesman Dmitry Peskov said ahead of the talks in Moscow between Vladimir Putin and Recep "
    "Tayyip Erdogan.",
    "The meeting announced on Monday comes after a sharp ratcheting up of tensions in Syria's "
    "northern Idlib province where Turkey has announced a full-scale offensive against the "
    "Russian-backed Syrian army Peskov told reporters that Moscow and Ankara are keeping lines of "
    "communication open and that the focus must now be on the dialogue between the Turkish and "
    "Russian leaders.",
    '"Our militaries are in constant contact. The main thing is that we now focus on '
    'negotiations between Putin and Erdogan," he said Despite being on opposing sides of the '
    "conflict, Turkey and Russia have coordinated closely in the past.",
    "They secured a deal in the southern Russian city of Sochi in 2018 that led to Turkey "
    "establishing 12 military observation posts in Idlib to prevent a Syrian offensive and a "
    "fresh flood of refugees into Turkish territory However a recent Syrian military campaign "
    "backed by Russia to recapture Idlib has sparked concerns over the worst humanitarian crisis "
    "since fighting began in 2011.",
)


def seed_article() -> ArticleData:
    """The seed page as the pre-2023 templates printed it: no itemprop date metas, app line."""
    return ArticleData(
        news_id=PINNED_SEED_ID,
        title="Kremlin says cooperation with Turkey on Syria of 'great importance'",
        created=datetime(2020, 3, 2, 11, 59, tzinfo=UTC),
        updated=datetime(2020, 3, 2, 12, 24, tzinfo=UTC),
        source="PTI",
        label="international",
        location_raw="moscow",
        sector="politics",
        image=Image(
            "https://devdiscourse.blob.core.windows.net/devnews/02_03_2020_17_28_14_4171870.jpg",
            "Representative Image",
            "(en.kremlin.ru)",
        ),
        blocks=[paragraph(text) for text in SEED_PARAGRAPHS],
        disclaimer="syndicated",
        app_line=True,
        tags=["Kremlin", "Turkey", "Syria", "Idlib", "Vladimir Putin", "Recep Tayyip Erdogan"],
        countries=["Russia"],
        markup="pre2023",
        meta_dates=False,
        summary="Russia and Turkey will hold talks on Syria's Idlib province on Thursday.",
    )

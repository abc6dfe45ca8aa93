"""The sentences the pages' scripts show, in the page's language.

``static/record.js``: a page that loads it puts ``{{ script_text() | tojson }}`` in the
``content`` of a ``<meta name="script-text">`` (single-quoted: ``tojson`` escapes ``'``; no inline
script, as the page policy wants). ``static/facemap.js`` finds ``script_text(FACEMAP_TEXT)`` under
``text`` in the session form's JSON data block. Either script looks each English sentence up
there and falls back to it; ``%(name)s`` marks a value the script fills in.
"""

from __future__ import annotations

from hemispasm.clinic.web.i18n import N_, gettext

SCRIPT_TEXT = (
    N_("Waiting to be analysed"),
    N_("Being analysed"),
    N_("Done"),
    N_("Failed"),
    N_("Reason:"),
    N_("Open the report"),
    N_(
        "The camera was not allowed. Allow the camera for this site in the browser's settings "
        "and try again, or send a video file below."
    ),
    N_("No camera was found on this device. Please send a video file below instead."),
    N_("The camera is busy, perhaps in another app. Close that app and try again."),
    N_("The camera could not be started here. Please send a video file below instead."),
    N_(
        "The video is larger than the server accepts (%(mb)s MB). Please record again, a little "
        "shorter."
    ),
    N_("The video was not accepted:"),
    N_("The video was not accepted (%(status)s)"),
    N_("Starting the camera…"),
    N_("Put your whole face inside the oval and look at the camera, then press Start recording."),
    N_("Recording starts in %(seconds)s…"),
    N_("Recording is not possible in this browser. Please send a video file below instead."),
    N_("Recording. Look at the camera and keep your face still."),
    N_("Recording. You may stop now, or keep still until it stops by itself."),
    N_("Please keep still a little longer: %(seconds)s more seconds."),
    N_("Please keep still a little longer: 1 more second."),
    N_("Recorded %(seconds)s seconds."),
    N_(
        "It cannot be played back on this page, but it can be sent: send it to your clinic, "
        "or record again."
    ),
    N_("Watch it if you like, then send it to your clinic, or record again."),
    N_("The recording is too large to send (%(mb)s MB). Please record again, a little shorter."),
    N_("Sending the video… please keep this page open."),
    N_("Sent. Opening your videos…"),
    N_("The video could not be sent. Check the connection and press Send again."),
)


FACEMAP_TEXT = (
    N_("Left %(muscle)s"),
    N_("Right %(muscle)s"),
    N_("Remove this row"),
    N_("Remove"),
    N_("Remove %(what)s"),
    N_("row %(row)s"),
    N_("the row"),
    N_("Muscle, row %(row)s"),
    N_("Patient's side, row %(row)s"),
    N_("Units, row %(row)s"),
    N_("%(units)s U is above this clinic's limit of %(limit)s U per site"),
    N_("%(units)s U is above this clinic's limit of %(limit)s U per session"),
    N_("another product"),
    N_("of %(product)s"),
    N_("Removed %(what)s from the table."),
    N_("Added %(what)s. Enter its units in the table."),
    N_("Back on the map at %(what)s."),
    N_("Removed %(what)s."),
)
"""The sentences of the session form's face map (``static/facemap.js``)."""


def script_text(sentences: tuple[str, ...] = SCRIPT_TEXT) -> dict[str, str]:
    """Each of a script's sentences in the current locale, keyed by its English (by default
    ``record.js``'s)."""
    return {message: gettext(message) for message in sentences}

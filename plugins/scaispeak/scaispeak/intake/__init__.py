"""Voices made from a reference recording: preflight, consent, and matching onto a base voice.

No zero-shot cloning model ships its weights offline, so a reference voice is *matched*: the
preset whose speech is closest to the reference (speaker-embedding cosine on synthesized probe
sentences) speaks it, and the voice reports which one and how close (``matched_base_voice``,
``similarity``). The relay backend (B) offers true cloning where the operator has one.
"""

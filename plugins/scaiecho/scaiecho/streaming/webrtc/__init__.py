"""WebRTC streaming: sessions, SDP/ICE signalling, the aiortc audio plane and the control socket."""

"""Where AMI is spoken: framing, login, actions with our ActionIDs, event delivery."""
from .client import AmiClient, AmiCredentials, AmiError, Message

__all__ = ["AmiClient", "AmiCredentials", "AmiError", "Message"]

"""SIP phones for the SIP driver: pjsua2 endpoints in worker processes.

``phone_worker`` is the program each worker process runs (stdlib + pjsua2 only);
``phones`` is the parent side that starts, feeds and watches the workers.
"""

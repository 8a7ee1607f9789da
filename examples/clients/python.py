# /usr/bin/python3 examples/clients/python.py   (Debian: apt-get install python3-fluent-logger)
from fluent import sender, event

logger = sender.FluentSender('app', host='127.0.0.1', port=24224, nanosecond_precision=True)
if not logger.emit('login', {'action': 'login', 'user': 2}):
    print(logger.last_error)
logger.close()

# The module-level API:
sender.setup('app', host='127.0.0.1', port=24224)
event.Event('login', {'action': 'login', 'user': 3})
sender.close()

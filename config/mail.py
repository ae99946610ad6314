"""Development email: each message goes to its own ``.eml`` file under EMAIL_FILE_PATH (var/mail/),
and one log line says where, instead of the whole text and HTML flooding the `make run` console."""
from __future__ import annotations

import logging
import os
import uuid

from django.core.mail.backends.filebased import EmailBackend
from django.utils import timezone

logger = logging.getLogger(__name__)


class FileEmailBackend(EmailBackend):
    def _get_filename(self) -> str:
        if self._fname is None:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
            self._fname = os.path.join(self.file_path, name)
        return self._fname

    def write_message(self, message) -> None:
        # A plain RFC 822 file per message (no separator line), so a mail client can open it.
        self.stream.write(message.message().as_bytes())

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            self.close()
            self._fname = None
            if super().send_messages([message]):
                sent += 1
                # The subject and the file only: recipients are personal data and stay out of logs.
                logger.info("Email %r written to %s", message.subject, self._fname)
        self.close()
        return sent

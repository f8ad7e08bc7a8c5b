"""The import command: a calling list into a campaign, through Kafka, as the loader's commands.

It defines the campaign, sends the rows as ImportRecords batches (keyed by the campaign, so
they are applied in order by the worker that owns it), then waits for the worker's
RecordsImported answer to every batch, which is what the progress bar counts.
"""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ocs_worker.calling_list import Row
from ocs_worker.settings import WorkerSettings
from outbound_contracts.calling_lists import CallingListRules
from outbound_contracts.codec import ContractViolation, decode_event, encode
from outbound_contracts.commands import DefineCampaign, ImportRecords
from outbound_contracts.events import ImportRejection, RecordsImported


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[ImportRejection] = field(default_factory=list)


async def import_rows(
    settings: WorkerSettings,
    application_id: int,
    campaign: str,
    rows: list[Row],
    on_progress: Callable[[int], None],
    *,
    rules: CallingListRules | None = None,
) -> ImportReport:
    """`rules`: for every calling list of the file; None leaves each list's rules as they are."""
    topics = settings.topics
    calling_lists = list(dict.fromkeys(row.record.calling_list for row in rows))
    define = DefineCampaign(
        command_id=uuid.uuid4().hex,
        application_id=application_id,
        campaign_name=campaign,
        calling_lists=calling_lists,
        calling_list_rules={} if rules is None else dict.fromkeys(calling_lists, rules),
    )
    batches = [
        ImportRecords(
            command_id=uuid.uuid4().hex,
            application_id=application_id,
            campaign_name=campaign,
            first_line=chunk[0].line,
            records=[row.record for row in chunk],
        )
        for chunk in _chunks(rows, settings.import_batch_rows)
    ]
    kafka = settings.kafka.client_kwargs()
    answers = AIOKafkaConsumer(**kafka, isolation_level="read_committed", enable_auto_commit=False)
    producer = AIOKafkaProducer(**kafka, acks="all", linger_ms=20)
    await answers.start()
    await producer.start()
    try:
        found = await producer.partitions_for(topics.events)
        partitions = [TopicPartition(topics.events, p) for p in sorted(found)]
        answers.assign(partitions)
        await answers.seek_to_end(*partitions)
        for tp in partitions:
            await answers.position(tp)  # pin "the end" before anything is sent
        sends = [await producer.send(topics.commands, encode(define), define.partition_key)]
        for batch in batches:
            sends.append(await producer.send(topics.commands, encode(batch), batch.partition_key))
        await asyncio.gather(*sends)
        async with asyncio.timeout(settings.import_timeout_seconds):
            return await _await_answers(answers, {b.command_id for b in batches}, on_progress)
    finally:
        await producer.stop()
        await answers.stop()


async def _await_answers(
    answers: AIOKafkaConsumer, waiting: set[str], on_progress: Callable[[int], None]
) -> ImportReport:
    report = ImportReport()
    while waiting:
        fetched = await answers.getmany(timeout_ms=200)
        for message in (m for messages in fetched.values() for m in messages):
            try:
                event = decode_event(message.value)
            except ContractViolation:
                continue  # not ours to judge: the notifier reads this topic too
            if isinstance(event, RecordsImported) and event.command_id in waiting:
                waiting.discard(event.command_id)
                report.imported += event.imported
                report.rejected += event.rejected
                on_progress(event.imported + len(event.rejected))
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def _chunks(rows: list[Row], size: int) -> list[list[Row]]:
    """Batches of consecutive CSV lines (the worker numbers a batch's rows from its first)."""
    chunks: list[list[Row]] = []
    for row in rows:
        last = chunks[-1] if chunks else None
        if last is not None and len(last) < size and last[-1].line + 1 == row.line:
            last.append(row)
        else:
            chunks.append([row])
    return chunks

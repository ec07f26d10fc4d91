"""Pull: exported annotations as annotation files, written, and deletions found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.annotations import (
    AnnotationFile,
    RelationLink,
    Span,
    annotation_path,
    iter_annotation_paths,
    read_annotation_file,
    write_annotation_file,
)
from toolkit.core import sha256_text, write_text_atomic
from toolkit.errors import InputError, LabelStudioError
from toolkit.labelstudio.api import RetryPolicy
from toolkit.labelstudio.export import export_project
from toolkit.labelstudio.projects import find_project
from toolkit.labelstudio.pseudonyms import ANNOTATOR_PREFIX, annotator_id, salt_fingerprint
from toolkit.labelstudio.results import result_to_annotation
from toolkit.taxonomy import Taxonomy


@dataclass(frozen=True)
class PullProblem:
    """Why one Label Studio annotation was not written (or is reported)."""

    task_id: int
    annotation_id: int | None
    doc_id: str
    message: str

    def __str__(self) -> str:
        ann = f" annotation {self.annotation_id}" if self.annotation_id is not None else ""
        return f"task {self.task_id}{ann} [{self.doc_id}]: {self.message}"


@dataclass(frozen=True)
class DeletedAnnotation:
    """A pulled file whose Label Studio annotation no longer exists (the file is kept)."""

    path: str
    doc_id: str
    annotator_id: str
    task_id: int | None
    annotation_id: int | None

    def __str__(self) -> str:
        return (
            f"{self.path}: annotation {self.annotation_id} of task {self.task_id} was deleted in "
            "Label Studio; file kept (delete it by hand if the deletion was meant)"
        )


@dataclass
class PullResult:
    """What a pull wrote, left alone, and found wrong."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    drafts_ignored: int = 0
    problems: list[PullProblem] = field(default_factory=list)
    deleted: list[DeletedAnnotation] = field(default_factory=list)


def _user_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


@dataclass
class Converted:
    """Annotation files made from an export, and what else the export showed."""

    files: list[AnnotationFile] = field(default_factory=list)
    problems: list[PullProblem] = field(default_factory=list)
    task_ids: set[int] = field(default_factory=set)
    existing: set[tuple[str, str]] = field(default_factory=set)
    """(annotator_id, doc_id) of every annotation in the export, written or not."""
    layers: dict[int, str] = field(default_factory=dict)
    """The annotator_id this salt gives every annotation in the export, by annotation id."""
    drafts: int = 0


def convert_export(
    tasks: Iterable[dict[str, Any]],
    *,
    taxonomy: Taxonomy,
    salt: bytes,
) -> Converted:
    """Annotation files from exported tasks (one per annotator and document), with problems."""
    files: dict[tuple[str, str], AnnotationFile] = {}
    out = Converted()
    problems = out.problems
    for task in tasks:
        task_id = int(task["id"])
        out.task_ids.add(task_id)
        data = task.get("data") or {}
        doc_id = str(data.get("doc_id") or "")
        text = data.get("text")
        out.drafts += len(task.get("drafts") or [])
        for ann in task.get("annotations") or []:
            user = _user_id(ann.get("completed_by"))
            if user is not None:
                out.existing.add((annotator_id(user, salt), doc_id))
                out.layers[int(ann["id"])] = annotator_id(user, salt)
        if not doc_id or not isinstance(text, str):
            problems.append(PullProblem(task_id, None, doc_id or "?", "task has no doc_id or text"))
            continue
        text_sha = sha256_text(text)
        if data.get("text_sha256") and data["text_sha256"] != text_sha:
            problems.append(
                PullProblem(
                    task_id,
                    None,
                    doc_id,
                    "task text does not match its text_sha256; "
                    "the task was edited in Label Studio, annotations not taken",
                )
            )
            continue
        for ann in task.get("annotations") or []:
            annotation = _annotation_file(
                task_id, ann, doc_id, text, text_sha, taxonomy, salt, problems
            )
            if annotation is None:
                continue
            key = (annotation.annotator_id, doc_id)
            previous = files.get(key)
            if previous is not None:
                annotation = _keep_latest(previous, annotation, task_id, doc_id, problems)
            files[key] = annotation
    ordered = [files[k] for k in sorted(files)]
    out.files = ordered
    return out


def _annotation_file(
    task_id: int,
    ann: dict[str, Any],
    doc_id: str,
    text: str,
    text_sha: str,
    taxonomy: Taxonomy,
    salt: bytes,
    problems: list[PullProblem],
) -> AnnotationFile | None:
    """One exported annotation as an annotation file; None when it has problems (listed)."""
    ann_id = int(ann["id"])
    user = _user_id(ann.get("completed_by"))
    if user is None:
        problems.append(PullProblem(task_id, ann_id, doc_id, "annotation has no annotator"))
        return None
    layer = annotator_id(user, salt)
    source = {
        "kind": "labelstudio",
        "task_id": task_id,
        "annotation_id": ann_id,
        "updated_at": str(ann.get("updated_at") or ann.get("created_at") or ""),
    }
    skipped = bool(ann.get("was_cancelled"))
    spans: list[Span] = []
    relations: list[RelationLink] = []
    if not skipped:
        spans, relations, found = result_to_annotation(
            ann.get("result") or [], text=text, doc_id=doc_id, taxonomy=taxonomy
        )
        if found:
            problems += [PullProblem(task_id, ann_id, doc_id, m) for m in found]
            return None
    return AnnotationFile(
        doc_id=doc_id,
        text_sha256=text_sha,
        annotator_id=layer,
        codebook_version=taxonomy.codebook_version,
        spans=spans,
        relations=relations,
        status="skipped" if skipped else "completed",
        source=source,
    )


def _keep_latest(
    previous: AnnotationFile,
    annotation: AnnotationFile,
    task_id: int,
    doc_id: str,
    problems: list[PullProblem],
) -> AnnotationFile:
    """Of one annotator's two annotations of a task, the latest; the other is a problem."""
    layer = annotation.annotator_id
    keep, drop = sorted(
        (previous, annotation),
        key=lambda a: (str(a.source["updated_at"]), int(a.source["annotation_id"])),
        reverse=True,
    )
    problems.append(
        PullProblem(
            task_id,
            int(drop.source["annotation_id"]),
            doc_id,
            f"annotator {layer} has several annotations of this task; kept the "
            f"latest ({keep.source['annotation_id']})",
        )
    )
    return keep


def find_deleted(out_dir: str | Path, converted: Converted) -> list[DeletedAnnotation]:
    """Earlier pulled files of this project's tasks whose annotation the export no longer has."""
    deleted = []
    for path in iter_annotation_paths(out_dir):
        if not path.parent.name.startswith(ANNOTATOR_PREFIX):
            continue
        try:
            old = read_annotation_file(path)
        except InputError:
            continue
        if old.source.get("kind") != "labelstudio":
            continue
        if old.source.get("task_id") not in converted.task_ids:
            continue  # another project's task, or a task deleted as a whole
        if (old.annotator_id, old.doc_id) not in converted.existing:
            deleted.append(
                DeletedAnnotation(
                    path=str(path),
                    doc_id=old.doc_id,
                    annotator_id=old.annotator_id,
                    task_id=old.source.get("task_id"),
                    annotation_id=old.source.get("annotation_id"),
                )
            )
    return deleted


SALT_MARKER = "labelstudio-salt.txt"
"""In a pull's output folder: the fingerprint of the salt its ls-* layers were made with."""
_MARKER_KEY = "salt-fingerprint:"
_USE_THE_SAME_SALT = (
    "set LABEL_STUDIO_PSEUDONYM_SALT to the salt used before (it is kept in the settings file "
    "`toolkit labelstudio serve` writes), or pull into a new folder"
)


def _marker_fingerprint(marker: Path) -> str | None:
    if not marker.is_file():
        return None
    for line in marker.read_text(encoding="utf-8").splitlines():
        if line.startswith(_MARKER_KEY):
            return line[len(_MARKER_KEY) :].strip()
    raise InputError(
        f"no '{_MARKER_KEY} ...' line; restore the file or delete it to pull with this salt",
        path=marker,
    )


def _layer_mismatch(out_dir: Path, converted: Converted) -> str | None:
    """An earlier pulled file whose annotation this salt gives another layer, as a message."""
    for path in iter_annotation_paths(out_dir):
        if not path.parent.name.startswith(ANNOTATOR_PREFIX):
            continue
        try:
            old = read_annotation_file(path)
        except InputError:
            continue
        ann_id = old.source.get("annotation_id")
        layer = converted.layers.get(ann_id) if isinstance(ann_id, int) else None
        if old.source.get("kind") == "labelstudio" and layer not in (None, old.annotator_id):
            return (
                f"{path} holds annotation {old.source.get('annotation_id')} of task "
                f"{old.source.get('task_id')}, which this salt names {layer}"
            )
    return None


def check_salt(out_dir: str | Path, salt: bytes, converted: Converted) -> None:
    """Refuse to pull with a salt other than the one the folder's ls-* layers were made with.

    Another salt names every annotator anew: each annotation would be written a second time,
    and the old files reported as deleted. The folder keeps a keyed hash of the salt (never the
    salt) in ``SALT_MARKER``; folders pulled before it existed are checked by their files.
    """
    base = Path(out_dir)
    marker = base / SALT_MARKER
    mine = salt_fingerprint(salt)
    theirs = _marker_fingerprint(marker)
    if theirs is not None and theirs != mine:
        raise InputError(
            f"the annotations here were pulled with another pseudonym salt (fingerprint "
            f"{theirs}; this salt's is {mine}): this pull would write every annotation again "
            f"under new ls-* names; {_USE_THE_SAME_SALT}",
            path=marker,
        )
    if theirs is None:
        mismatch = _layer_mismatch(base, converted)
        if mismatch is not None:
            raise InputError(
                f"{mismatch}: the folder was pulled with another pseudonym salt, and this pull "
                f"would write every annotation again under new ls-* names; {_USE_THE_SAME_SALT}",
                path=base,
            )
        write_text_atomic(
            marker,
            "# Written by `toolkit labelstudio pull`: a keyed hash of the pseudonym salt the\n"
            "# ls-* layers here were made with (never the salt). Pulls into this folder must\n"
            "# use the same salt (LABEL_STUDIO_PSEUDONYM_SALT).\n"
            f"{_MARKER_KEY} {mine}\n",
        )


def pull_annotations(
    client: Any,
    *,
    project_title: str,
    out_dir: str | Path,
    taxonomy: Taxonomy,
    salt: bytes,
    retry: RetryPolicy = RetryPolicy(),
) -> PullResult:
    """Write one annotation file per annotator per task; report problems and deletions."""
    project = find_project(client, project_title, retry)
    if project is None:
        raise LabelStudioError(f"no project titled {project_title!r}; push first")
    tasks = export_project(client, int(project.id), retry=retry)
    converted = convert_export(tasks, taxonomy=taxonomy, salt=salt)
    check_salt(out_dir, salt, converted)
    result = PullResult(problems=converted.problems, drafts_ignored=converted.drafts)
    for annotation in converted.files:
        path = annotation_path(out_dir, annotation.annotator_id, annotation.doc_id)
        if annotation.status == "skipped":
            result.skipped += 1
        if write_annotation_file(path, annotation):
            result.written.append(str(path))
        else:
            result.unchanged += 1
    result.deleted = find_deleted(out_dir, converted)
    return result

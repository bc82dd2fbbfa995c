/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_pictures.c: the files a survey names beside itself, installed from
 * the technician's stick (kiosk_tech.c) next to the installed survey file:
 * its notes' pictures and its texts' recordings (recorded human voices, WAV
 * files). Their paths are relative to the survey file's folder, so the file
 * installed without them would be refused once the stick is gone (a
 * picture) or synthesised (a recording).
 *
 * Nothing on the stick is trusted: the survey was loaded from it with
 * hl_survey_load_file_at, which refused a path that leaves its folder and a
 * file reached through a link; each file is read again the same way
 * (hl_file_read under the stick's root, no link followed, at most
 * HL_NOTE_IMAGE_BYTES for a picture, HL_WAV_MAX_BYTES for a recording), a
 * recording decoded as `hailong check` does (hl_wav: one the kiosk cannot
 * play refuses the install), and written with hl_afile (temporary file,
 * fsync, rename, folder fsync), so a pulled stick or a full disk never
 * leaves half a file. A file is never written over another: one already
 * there with the same bytes is kept (versions of a survey share it), one
 * with other content refuses the install (it belongs to an installed
 * survey, maybe the running one, and the screen caches pictures by path).
 * Everything an install made (files, then the folders made for them) is
 * listed so that a failure, here or later in the install, removes it: the
 * install leaves its survey with all its files, or nothing.
 */
#include "kiosk_int.h"

#include "hl_afile.h"
#include "hl_wav.h"

#include <fcntl.h>
#include <sys/stat.h>

/* What a survey names beside itself: for messages and limits. */
typedef struct media_kind {
    const char *name; /* "picture", "recording" */
    size_t max;       /* bytes of its file, at most */
} media_kind_t;

static const media_kind_t media_picture = {"picture", HL_NOTE_IMAGE_BYTES};
static const media_kind_t media_recording = {"recording", HL_WAV_MAX_BYTES};

/* Records the first len bytes of rel (a file, or a folder when folder) as
 * made by this install; pictures_put made sure there is room. */
static void pictures_made(kiosk_pictures_t *p, const char *rel, size_t len, bool folder)
{
    p->made[p->n_made] = (uint32_t)p->names_used;
    memcpy(p->names + p->names_used, rel, len);
    p->names[p->names_used + len] = '\0';
    p->names_used += len + 1;
    p->made_folder[p->n_made++] = folder;
}

/* Opens the folder that holds rel under p->dir, making the missing ones (each
 * recorded, its entry synced) and following no link. Returns a descriptor,
 * or -1 with err set. */
static int pictures_open_folder(kiosk_pictures_t *p, const char *rel, hl_err_t *err)
{
    int dfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        hl_errno_set(errno, "cannot open the folder", p->dir, err);
        return -1;
    }
    for (const char *part = rel, *slash; (slash = strchr(part, '/')); part = slash + 1) {
        char name[NAME_MAX + 1], shown[PATH_MAX];
        hl_fmt(name, sizeof name, "%.*s", (int)(slash - part), part);
        hl_fmt(shown, sizeof shown, "%s/%.*s", p->dir, (int)(slash - rel), rel);
        int rc = HL_OK;
        if (mkdirat(dfd, name, 0755) == 0) {
            pictures_made(p, rel, (size_t)(slash - rel), true);
            if (fsync(dfd) != 0 && errno != EINVAL && errno != ENOTSUP)
                rc = hl_errno_set(errno, "cannot sync the folder of", shown, err);
        } else if (errno != EEXIST) {
            rc = hl_errno_set(errno, "cannot make the folder", shown, err);
        }
        int next =
            rc == HL_OK ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (rc == HL_OK && next < 0) hl_errno_set(errno, "cannot open the folder", shown, err);
        close(dfd);
        if (next < 0) return -1;
        dfd = next;
    }
    return dfd;
}

/* Puts the file's bytes at p->dir/rel unless a file is there: the same
 * bytes are kept, other content refuses. */
static int pictures_put(kiosk_pictures_t *p, const media_kind_t *kind, const char *rel,
                        const char *bytes, size_t len, hl_err_t *err)
{
    char *there = NULL;
    size_t there_len = 0;
    int rc = hl_file_read(p->dir, rel, kind->max, 0, &there, &there_len, err);
    bool same = rc == HL_OK && there_len == len && !memcmp(there, bytes, len);
    free(there);
    if (same) return HL_OK; /* shared with another version of the survey, or another text */
    if (rc == HL_OK)
        return hl_err_set(err, HL_ERR_STATE,
                          "the %s %s is installed already with other content (another "
                          "survey's): rename the new one in the survey and on the stick",
                          kind->name, rel);
    if (rc != HL_ERR_NOT_FOUND) {
        hl_err_wrap(err, "the installed %s %s", kind->name, rel);
        return rc;
    }
    /* Room to record what this file makes: its folders and itself. */
    int need = 1;
    for (const char *c = rel; *c; c++)
        need += *c == '/';
    if (p->n_made + need > KIOSK_PICTURES_MADE ||
        p->names_used + (size_t)need * (strlen(rel) + 1) > KIOSK_PICTURES_NAMES)
        return hl_err_set(err, HL_ERR_INVALID,
                          "the survey's pictures and recordings need more than %d new files and "
                          "folders (or %d KiB of names): put them in fewer folders",
                          KIOSK_PICTURES_MADE, KIOSK_PICTURES_NAMES / 1024);
    char shown[PATH_MAX];
    hl_fmt(shown, sizeof shown, "%s/%s", p->dir, rel);
    int dfd = pictures_open_folder(p, rel, err);
    if (dfd < 0) return err->code;
    const char *slash = strrchr(rel, '/');
    hl_afile_t a;
    rc = hl_afile_openat(&a, dfd, slash ? slash + 1 : rel, shown, 0644, err);
    if (rc == HL_OK) rc = hl_afile_write(&a, bytes, len, err);
    if (rc == HL_OK) {
        rc = hl_afile_commit(&a, err);
        if (a.renamed)
            pictures_made(p, rel, strlen(rel), false); /* even if the folder sync failed */
    }
    hl_afile_abort(&a);
    close(dfd);
    return rc;
}

/* Copies the file rel (the survey's path) from root/src_dir to p->dir. */
static int pictures_one(kiosk_pictures_t *p, const media_kind_t *kind, const char *rel,
                        const char *root, const char *src_dir, hl_err_t *err)
{
    size_t n = strlen(rel);
    if (n >= 5 && !strcmp(rel + n - 5, ".json"))
        return hl_err_set(err, HL_ERR_INVALID,
                          "the %s \"%s\" is named *.json: the kiosk would list it as a survey; "
                          "rename it",
                          kind->name, rel);
    char src[PATH_MAX];
    hl_fmt(src, sizeof src, "%s/%s", src_dir, rel);
    char *bytes = NULL;
    size_t len = 0;
    int rc = hl_file_read(root, src, kind->max, 0, &bytes, &len, err);
    if (rc != HL_OK) hl_err_wrap(err, "the %s %s on the stick", kind->name, rel);
    if (rc == HL_OK && kind == &media_recording) { /* one the kiosk would not play: refused */
        hl_pcm_t pcm = {0};
        rc = hl_wav_parse(bytes, len, rel, &pcm, err);
        hl_pcm_free(&pcm);
        if (rc != HL_OK) hl_err_wrap(err, "the recording cannot be played");
    }
    if (rc == HL_OK) rc = pictures_put(p, kind, rel, bytes, len, err);
    free(bytes);
    return rc;
}

int kiosk_pictures_copy(kiosk_pictures_t *p, const hl_survey_t *s, const char *root,
                        const char *src_dir, const char *dst_dir, hl_err_t *err)
{
    p->n_made = 0;
    p->names_used = 0;
    hl_fmt(p->dir, sizeof p->dir, "%s", dst_dir);
    int rc = HL_OK;
    for (size_t i = 0; rc == HL_OK && i < s->n_questions; i++)
        if (s->questions[i].image_rel)
            rc = pictures_one(p, &media_picture, s->questions[i].image_rel, root, src_dir, err);
    for (size_t i = 0; rc == HL_OK && i < s->n_recordings; i++) {
        size_t j = 0; /* a file named for several texts is read and copied once */
        while (j < i && strcmp(s->recordings[j].rel, s->recordings[i].rel) != 0)
            j++;
        if (j == i)
            rc = pictures_one(p, &media_recording, s->recordings[i].rel, root, src_dir, err);
    }
    if (rc != HL_OK) kiosk_pictures_undo(p);
    return rc;
}

void kiosk_pictures_undo(kiosk_pictures_t *p)
{
    /* Newest first: a file before its folder, a folder before its parent. */
    while (p->n_made > 0) {
        p->n_made--;
        char path[PATH_MAX];
        hl_fmt(path, sizeof path, "%s/%s", p->dir, p->names + p->made[p->n_made]);
        if ((p->made_folder[p->n_made] ? rmdir(path) : unlink(path)) != 0)
            fprintf(stderr, "hailong: removing %s: %s\n", path, strerror(errno));
    }
    p->names_used = 0;
}

#pragma once
// Saving into an OCI layout directory that already holds images, as podman
// save --format oci-dir does: the new blobs are added beside the old ones
// (content-addressed: one already there is kept), and index.json gains the
// new entries as containers/image adds them: a name
// (org.opencontainers.image.ref.name) moves from the old entry, which stays
// listed without it, and an unnamed entry of the same digest is replaced
// in place. Each blob lands under a temporary
// name and is renamed into place, index.json is replaced last and
// atomically, and the directory is flock'ed meanwhile: an interrupted save
// leaves the old index whole, at most with unreferenced blobs.
#include <memory>
#include <string>

#include "image/archive_writer.hpp"

namespace nook::image {

// Whether dir holds an oci-layout file (then it is a layout to add to).
bool is_oci_layout_dir(const std::string& dir);

// A sink for write_oci_layout's entries that adds them to the layout in dir.
// Throws Error (naming the file) when dir's oci-layout or index.json is
// missing or malformed, before anything is written.
std::unique_ptr<ArchiveSink> oci_layout_update_sink(const std::string& dir);

// The merge itself: old index.json text plus a new index's text → the text
// to write. Throws Error naming index.json when either is malformed.
std::string merge_oci_index(std::string_view old_index, std::string_view new_index);

}  // namespace nook::image

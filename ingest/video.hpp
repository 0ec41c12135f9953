#pragma once
// Lecture videos: an embedded subtitle track first (cheap and exact), else speech
// recognition of the audio; plus OCR of slide text from frames sampled every few seconds.
// Time segments are the video's pages. ffmpeg and ffprobe do the demuxing.
#include <string>

#include "common/error.hpp"
#include "ingest/document.hpp"
#include "ingest/speech.hpp"
#include "ingest/transcription.hpp"

namespace sf::ingest {

struct video_options {
  double segment_s = 60;         // seconds of video per page
  double frame_interval_s = 10;  // a frame is OCRed every this many seconds
  int max_frames = 120;
  int max_duration_s = 4 * 3600;
  speech_model speech;
  transcriber transcribe;  // empty: pocketsphinx only
  std::string work_dir = "/tmp";  // for sampled frames
};

// Errors: rejected (unreadable, too long, no text), cancelled.
result<document_text> extract_video(const std::string& path, const video_options& opts, const ocr_options& ocr,
                                    const checkpoint& progress);

}  // namespace sf::ingest

#!/usr/bin/env python3
"""A scripted OpenAI-compatible server (chat completions and embeddings) for the HTTP
provider's tests.

It listens on 127.0.0.1 only and prints its port. The API key picks the behaviour:
  ok          answers from the course text it is sent (every item quotes a real sentence)
  ratelimit   HTTP 429
  unavailable HTTP 503
  malformed   a reply whose content is not JSON
  invalid     JSON whose items fail the checks (3 options, quotes not in the text)
  slow        answers after 5 seconds
  flaky       malformed on its first call, ok after that
/v1/embeddings answers 64 dimensions of hashed words (any key but the failing ones).
/v1/moderations flags every input holding "forbidden-example-term" (category "violence").
/v1/audio/transcriptions cannot listen: it answers what it measured of the WAV file it got,
"heard <seconds> seconds of <rate> Hz audio for <model>", in two timed halves.
Every call is appended to --log as a JSON line: {"key", "schema"} (the path's last word for
the endpoints other than chat), and for embeddings "inputs", how many texts it embedded.
"""
import argparse
import json
import re
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
CALLS = {}


def pages_of(prompt):
    found = re.findall(r"\[page (\d+)\]\n(.*?)(?=\n\n\[page \d+\]|\Z)", prompt, re.S)
    return [(int(p), text) for p, text in found]


def sentences_of(prompt):
    out = []
    for page, text in pages_of(prompt):
        for para in text.split("\n\n"):
            for s in re.split(r"(?<=[.!?])\s+", para.strip()):
                if 6 <= len(s.split()) <= 45 and s[-1:] in ".!?":
                    out.append((page, s))
    return out


def long_words(sentence):
    return [w for w in re.findall(r"[A-Za-z]{7,}", sentence)]


def answer(schema, prompt, count):
    sents = sentences_of(prompt)[: max(count, 4) * 2]
    if schema == "summary":
        picked = sents[:5]
        return {"markdown": "# Summary\n\n" + " ".join(s for _, s in picked),
                "sentences": [{"text": s, "quote": s, "page": p} for p, s in picked]}
    if schema == "flashcards":
        return {"cards": [{"front": "What does the text say about \"%s\"?" % " ".join(s.split()[:4]),
                           "back": s, "quote": s, "page": p} for p, s in sents[:count]]}
    if schema == "notes":
        return {"topics": [{"title": "Page %d" % p, "markdown": s, "quote": s, "page": p} for p, s in sents[:count]]}
    if schema == "outline":
        return {"chapters": [{"title": "Part %d" % (i + 1), "topics": [{"title": " ".join(s.split()[:5])}]}
                             for i, (_, s) in enumerate(sents[:4])]}
    pool = [w for _, s in sents for w in long_words(s)]
    questions = []
    for i, (p, s) in enumerate(sents):
        words = long_words(s)
        if not words:
            continue
        word = words[0]
        others = [w for w in pool if w.lower() != word.lower()]
        others = list(dict.fromkeys(others))[i % 5: i % 5 + 3]
        if len(others) < 3:
            continue
        options = others[:]
        slot = i % 4
        options.insert(slot, word)
        q = {"question": s.replace(word, "_____", 1), "options": options, "answer_index": slot,
             "explanation": s, "quote": s, "page": p}
        if schema == "practice_test":
            q["kind"] = "multiple_choice"
            q["answer"] = word
        questions.append(q)
        if len(questions) >= count:
            break
    return {"questions": questions}


def embedding_of(text):
    vector = [0.0] * 64
    for word in re.findall(r"\w+", text.lower()):
        h = zlib.crc32(word.encode())
        vector[h % 64] += 1.0 if (h >> 31) & 1 else -1.0
    return vector


def form_fields(content_type, body):
    """multipart/form-data -> {name: bytes}"""
    from email.parser import BytesParser
    from email.policy import HTTP
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in msg.iter_parts()}


def transcription(fields):
    wav = fields.get("file", b"")
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        return 400, {"error": {"message": "the file is not a WAV file"}}
    channels, rate = struct.unpack("<HI", wav[22:28])
    bits = struct.unpack("<H", wav[34:36])[0]
    at, data = 12, 0
    while at + 8 <= len(wav):  # the chunks: "fmt ", maybe "LIST", then "data"
        chunk, size = wav[at:at + 4], struct.unpack("<I", wav[at + 4:at + 8])[0]
        if chunk == b"data":
            data = size
            break
        at += 8 + size + (size & 1)
    seconds = data / (rate * channels * bits / 8)
    model = fields.get("model", b"").decode()
    said = "heard %.1f seconds of %d Hz audio for %s" % (seconds, rate, model)
    return 200, {"text": said, "duration": seconds,
                 "segments": [{"id": 0, "start": 0.0, "end": seconds / 2, "text": said + ", first half."},
                              {"id": 1, "start": seconds / 2, "end": seconds, "text": said + ", second half."}]}


def invalid(schema):
    return {"questions": [{"question": "Which?", "options": ["a", "b", "c"], "answer_index": 5, "explanation": "x",
                           "quote": "This sentence is nowhere in the course text at all.", "page": 1}],
            "cards": [{"front": "?", "back": "", "quote": "Nowhere in the text, this one.", "page": 99}]}


class Handler(BaseHTTPRequestHandler):
    log_path = None

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        form = self.headers.get("Content-Type", "").startswith("multipart/form-data")
        req = {} if form else json.loads(raw or b"{}")
        key = self.headers.get("Authorization", "").replace("Bearer ", "")
        endpoint = self.path.rstrip("/").rsplit("/", 1)[-1]
        embeddings = endpoint == "embeddings"
        schema = (endpoint if endpoint != "completions"
                  else req.get("response_format", {}).get("json_schema", {}).get("name", "json"))
        with LOCK:
            CALLS[key] = CALLS.get(key, 0) + 1
            n = CALLS[key]
            entry = {"key": key, "schema": schema}
            if embeddings:
                entry["inputs"] = len(req["input"]) if isinstance(req["input"], list) else 1
            with open(self.log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")
        if key == "ratelimit":
            return self.reply(429, {"error": {"message": "slow down"}})
        if key == "unavailable":
            return self.reply(503, {"error": {"message": "overloaded"}})
        if key == "slow":
            time.sleep(5)
        if endpoint == "transcriptions":
            return self.reply(*transcription(form_fields(self.headers["Content-Type"], raw)))
        if endpoint == "moderations":
            inputs = req["input"] if isinstance(req["input"], list) else [req["input"]]
            results = []
            for text in inputs:
                bad = "forbidden-example-term" in text.lower()
                results.append({"flagged": bad, "categories": {"violence": bad, "hate": False}})
            return self.reply(200, {"id": "modr-test", "model": req.get("model", "scripted"), "results": results})
        if embeddings:
            texts = req["input"] if isinstance(req["input"], list) else [req["input"]]
            tokens = sum(len(t) for t in texts) // 4
            # Listed last to first, each with its index, as servers may.
            data = [{"object": "embedding", "index": i, "embedding": embedding_of(t)} for i, t in enumerate(texts)]
            return self.reply(200, {"object": "list", "model": req.get("model", "scripted"), "data": data[::-1],
                                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
        prompt = req["messages"][-1]["content"]
        count = 6
        m = re.search(r"Write (\d+) ", req["messages"][0]["content"])
        if m:
            count = int(m.group(1))
        if key == "malformed" or (key == "flaky" and n == 1):
            content = "Sure! Here are your flashcards: {not json"
        elif key == "invalid":
            content = json.dumps(invalid(schema))
        else:
            content = json.dumps(answer(schema, prompt, count))
        self.reply(200, {"id": "chatcmpl-test", "object": "chat.completion", "model": req.get("model", "scripted"),
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": content}}],
                         "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    Handler.log_path = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

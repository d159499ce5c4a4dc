-- wrk script for the realistic mixed load (benchmarks/mix.py).
--
--     wrk -t1 -c32 -d10s --latency -s benchmarks/mix.lua http://127.0.0.1:PORT -- requests.tsv
--
-- The request file has one request a line: method, path (with its query, percent-encoded),
-- content type and body, separated by tabs (content type and body empty for a GET). Every
-- request is formatted once, in init(); request() only hands out the next prepared string,
-- cycling through the file in order. There is no response() callback: wrk would then parse
-- every response in Lua, which costs the client more than the fastest servers do.

local requests = {}
local count = 0
local index = 0

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s mix.lua URL -- REQUESTS.tsv")
  end
  for line in io.lines(path) do
    local method, target, content_type, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method == nil then
      error("malformed line " .. (count + 1) .. " in " .. path)
    end
    local headers = {}
    if content_type ~= "" then
      headers["Content-Type"] = content_type
    end
    if body == "" then
      body = nil
    end
    count = count + 1
    requests[count] = wrk.format(method, target, headers, body)
  end
  if count == 0 then
    error("no requests in " .. path)
  end
end

function request()
  index = index % count + 1
  return requests[index]
end

-- Runs survive: a process killed while it writes a checkpoint leaves the previous one
-- loadable; a corrupt checkpoint is refused with a message and changes nothing; an
-- unwritable or full output folder stops a DeepCluster run before it trains, and a disk that
-- fills up during a save keeps the old checkpoint. (The C side: tests/c/test_checkpoint_kill.c
-- kills at measured points of the write, tests/c/test_archive.c flips every bit.)
local dc = require 'dclab'
local nn = dc.nn

local build = os.getenv('DCLAB_BUILD') or 'build'
local root = assert(io.popen('pwd')):read('l')
local launcher = root .. '/' .. build .. '/dclab'

local tmpdir = require('spec_helpers').tmpdir

local slurp = require('spec_helpers').read_file

local spit = require('spec_helpers').write_file

local errors_with = require('spec_helpers').errors_with

-- Every state tensor of the model, copied.
local function snapshot(model)
  local s = {}
  for name, t in pairs(model:state()) do s[name] = t:clone() end
  return s
end

local function assert_state(model, snap)
  for name, t in pairs(model:state()) do
    assert.are.equal(0, (t - snap[name]):abs():max(), name .. ' changed')
  end
end

local function small_model(seed)
  local gen = dc.Generator(seed)
  local net = nn.Sequential{nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
    nn.Linear(4 * 6 * 6, 10)}
  for _, m in ipairs(net.modules) do
    if m.reset and #m.params > 0 then m:reset(gen) end
  end
  return net
end

-- A small tmpfs at a fresh mount point for f(mnt); unmounted and removed afterwards, also
-- when f fails. Returns false when mounting is not allowed (not root).
local function with_tmpfs(opts, f)
  local mnt = tmpdir()
  if not os.execute('mount -t tmpfs -o ' .. opts .. ' dclab_test ' .. mnt .. ' 2>/dev/null') then
    os.execute('rmdir ' .. mnt)
    return false
  end
  local ok, err = pcall(f, mnt)
  os.execute('umount ' .. mnt .. ' && rmdir ' .. mnt)
  if not ok then error(err, 0) end
  return true
end

local function fill(dir)
  os.execute('dd if=/dev/zero of=' .. dir .. '/fill bs=4k 2>/dev/null')
end

describe('checkpoints under SIGKILL', function()
  -- The child saves generation g = 1, 2, ... (weights 0.5, biases g: the child spends its
  -- time saving, not filling), reporting each committed one on stdout; the parent kills it
  -- after a delay, then loads what is left.
  local child = [[
    local dc = require 'dclab'
    local nn = dc.nn
    local net = nn.Sequential{nn.Linear(512, 1024), nn.Linear(1024, 512)}
    local opt = dc.optim.sgd{lr = 0.1, momentum = 0.9}:add(net)
    for _, m in ipairs(net.modules) do m.weight:fill(0.5) end
    for g = 1, 100000 do
      for _, m in ipairs(net.modules) do m.bias:fill(g) end
      dc.checkpoint.save(arg[1], {model = net, optim = opt, meta = {gen = g}})
      io.write(g, '\n')
      io.flush()
    end
  ]]

  it('leaves the previous checkpoint loadable, whole, at any kill point', function()
    local dir = tmpdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    local script, path = dir .. '/child.lua', dir .. '/checkpoint.bin'
    spit(script, child)
    local net = nn.Sequential{nn.Linear(512, 1024), nn.Linear(1024, 512)}
    local opt = dc.optim.sgd{lr = 0.1, momentum = 0.9}:add(net)
    local midwrite = 0 -- kills that left a temporary file: they came before the rename
    local function temporaries(pid) -- of the child pid, or of anyone
      local p = assert(io.popen('ls ' .. dir .. ' | grep -c "checkpoint.bin.tmp-' .. (pid or '') .. '"'))
      local n = tonumber(p:read('l'))
      p:close()
      return n
    end
    for _, delay in ipairs{0, 0.001, 0.002, 0.003, 0.005, 0.008, 0.01, 0.015, 0.02, 0.04} do
      local p = assert(io.popen('echo $$; exec ' .. launcher .. ' ' .. script .. ' ' .. path))
      local pid = assert(tonumber(p:read('l')))
      local committed = assert(tonumber(p:read('l')), 'the child saved nothing')
      os.execute(string.format('sleep %g; kill -9 %d', delay, pid))
      for line in p:lines() do committed = tonumber(line) end
      p:close()
      local meta = dc.checkpoint.load(path, {model = net, optim = opt})
      assert.is_true(meta.gen >= committed, 'an older checkpoint than the last committed one')
      for _, m in ipairs(net.modules) do
        assert.are.same({0.5, 0.5, meta.gen, meta.gen},
          {m.weight:min(), m.weight:max(), m.bias:min(), m.bias:max()})
      end
      if temporaries(pid .. '-') > 0 then midwrite = midwrite + 1 end
    end
    -- the next save of the path removes what the killed saves left
    dc.checkpoint.save(path, {model = net, optim = opt, meta = {gen = 0}})
    assert.are.equal(0, temporaries())
    -- the others land after a rename (in the folder's fsync) or between saves: both fine, but
    -- some must have caught a save half-done for the test to mean anything
    assert.is_true(midwrite >= 2, midwrite .. ' of 10 kills came in the middle of a save')
  end)
end)

describe('corrupt checkpoints', function()
  local dir, path, bytes

  setup(function()
    dir = tmpdir()
    path = dir .. '/checkpoint.bin'
    local net = small_model(1)
    local opt = dc.optim.sgd{lr = 0.1, momentum = 0.9}:add(net)
    local x = dc.randn(2, 1, 8, 8, {seed = 3})
    net:zero_grad()
    net:forward(x)
    net:backward(x, dc.ones(2, 10))
    opt:step()
    dc.checkpoint.save(path, {model = net, optim = opt, meta = {epoch = 4}})
    bytes = slurp(path)
  end)

  teardown(function() os.execute('rm -rf ' .. dir) end)

  -- A fresh model and optimizer must fail to load bad and stay exactly as they were.
  local function refused(bad, patterns)
    local target = dir .. '/bad.bin'
    spit(target, bad)
    local net = small_model(2)
    local opt = dc.optim.sgd{lr = 0.3}:add(net)
    local before, opt_before = snapshot(net), opt:state()
    errors_with(patterns, dc.checkpoint.load, target, {model = net, optim = opt})
    assert_state(net, before)
    assert.are.same(opt_before, opt:state())
  end

  it('loads the intact file (the corruptions below start from it)', function()
    local net = small_model(2)
    local opt = dc.optim.sgd{lr = 0.3}:add(net)
    assert.are.same({epoch = 4}, dc.checkpoint.load(path, {model = net, optim = opt}))
    assert.are.equal(0.1, opt:state().groups[1].lr)
  end)

  it('refuses every truncation, naming the file', function()
    local lengths = {0, 1, 7, 8, 12, 23, 24, 30, #bytes - 4, #bytes - 1}
    for k = 1, 40 do lengths[#lengths + 1] = k * #bytes // 41 end
    for _, n in ipairs(lengths) do
      refused(bytes:sub(1, n), {dir .. '/bad.bin'})
    end
  end)

  it('refuses a flipped bit anywhere: header, names, shapes, data, checksum', function()
    local positions = {}
    for i = 1, 48 do positions[#positions + 1] = i end
    for k = 1, 60 do positions[#positions + 1] = 48 + k * (#bytes - 52) // 61 end
    for i = #bytes - 3, #bytes do positions[#positions + 1] = i end
    for _, i in ipairs(positions) do
      local b = bytes:byte(i) ~ (1 << (i % 8))
      refused(bytes:sub(1, i - 1) .. string.char(b) .. bytes:sub(i + 1), {dir .. '/bad.bin'})
    end
  end)

  it('refuses trailing bytes and a file that is not a checkpoint', function()
    refused(bytes .. '\0', {'corrupt'})
    refused(('x'):rep(#bytes), {'not a dclab archive'})
  end)
end)

describe('output folders', function()
  local data = dc.data.fashion_mnist{split = 'test'}:subset(20)

  local function tiny_run(out)
    local net = dc.models.Net('tiny', {
      sobel = nn.Sobel(),
      features = nn.Sequential{nn.Conv2d(2, 2, 3, {pad = 1}), nn.ReLU(), nn.MaxPool2d(4)},
      classifier = nn.Sequential{nn.Linear(2 * 7 * 7, 8), nn.ReLU()},
    })
    local trained = false
    return dc.deepcluster{model = net, data = data, k = 2, out = out, verbose = false,
      threads = 1, batch = 10, preprocess = false,
      hooks = {on_batch = function() trained = true end}}, function() return trained end
  end

  -- Builds and fits a run in out; the error of fit, after checking no batch was trained.
  local function fit_tiny(out)
    local run, trained = tiny_run(out)
    local ok, err = pcall(run.fit, run)
    assert.is_false(trained(), 'a batch was trained before the refusal')
    if not ok then error(err, 0) end
  end

  it('an output path under a regular file is refused before training', function()
    local dir = tmpdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    spit(dir .. '/file', 'x')
    local out = dir .. '/file/run'
    errors_with({'output folder ' .. out .. ' is not writable'}, fit_tiny, out)
  end)

  it('a read-only file system is refused before training (root only: mounts a tmpfs)', function()
    local mounted = with_tmpfs('size=64k,ro', function(mnt)
      errors_with({'output folder ' .. mnt .. '/run is not writable'}, fit_tiny, mnt .. '/run')
    end)
    if not mounted then pending('mounting a tmpfs needs root') end
  end)

  it('a full file system is refused before training (root only: mounts a tmpfs)', function()
    local mounted = with_tmpfs('size=256k', function(mnt)
      assert(os.execute('mkdir ' .. mnt .. '/run'))
      fill(mnt)
      errors_with({'output folder ' .. mnt .. '/run cannot take data', 'No space left on device'},
        fit_tiny, mnt .. '/run')
      assert.is_nil(io.open(mnt .. '/run/config.json'), 'the run started anyway')
    end)
    if not mounted then pending('mounting a tmpfs needs root') end
  end)

  it('a disk that fills up during a save keeps the old checkpoint (root only)', function()
    local mounted = with_tmpfs('size=1m', function(mnt)
      local path = mnt .. '/checkpoint.bin'
      local net = small_model(1)
      dc.checkpoint.save(path, {model = net, meta = {epoch = 1}})
      local old = slurp(path)
      fill(mnt)
      local big = nn.Sequential{nn.Linear(256, 1024)}
      errors_with({path, 'No space left on device'}, dc.checkpoint.save, path, {model = big})
      assert.are.equal(old, slurp(path))
      local ls = assert(io.popen('ls -A ' .. mnt))
      local listing = ls:read('a')
      ls:close()
      assert.are.equal('checkpoint.bin\nfill\n', listing) -- no temporary file left behind
      local again = small_model(5)
      assert.are.same({epoch = 1}, dc.checkpoint.load(path, {model = again}))
      assert_state(again, snapshot(net))
    end)
    if not mounted then pending('mounting a tmpfs needs root') end
  end)
end)

describe('checkpoint loads all or nothing', function()
  it('a checkpoint that does not fit the model leaves the model and optimizer untouched', function()
    local nn = dc.nn
    local path = os.tmpname()
    local a = nn.Sequential{nn.Linear(4, 3), nn.Linear(3, 2)}
    for _, p in ipairs(a:parameters()) do p:fill(7) end
    local oa = dc.optim.sgd{lr = 0.1, momentum = 0.9}
    oa:add(a)
    dc.checkpoint.save(path, {model = a, optim = oa})
    local b = nn.Sequential{nn.Linear(4, 3), nn.Linear(3, 5)}
    for _, p in ipairs(b:parameters()) do p:fill(1) end
    local ok, err = pcall(dc.checkpoint.load, path, {model = b})
    assert.is_false(ok)
    assert.truthy(err:find('(2) Linear(3 -> 5)', 1, true), err)
    for name, t in pairs(b:state()) do assert.are.equal(1, t:min(), name) end
    local c = nn.Sequential{nn.Linear(4, 3), nn.Linear(3, 2)}
    for _, p in ipairs(c:parameters()) do p:fill(1) end
    ok, err = pcall(dc.checkpoint.load, path, {model = c, optim = {oa, dc.optim.sgd{lr = 1}}})
    assert.is_false(ok)
    assert.truthy(err:find('holds 1 optimizers, 2 given', 1, true), err)
    for name, t in pairs(c:state()) do assert.are.equal(1, t:max(), name) end
    os.remove(path)
  end)
end)

describe('Ctrl-C during training', function()
  it('stops after the current batch with the last checkpoint intact, and resume goes on', function()
    local out = os.tmpname()
    os.remove(out)
    local script = os.tmpname()
    local f = assert(io.open(script, 'w'))
    f:write(string.format([[
local resume = arg[1] == 'resume'
local ds = dc.data.fashion_mnist{split = 'train'}:subset(400)
local run = dc.deepcluster{model = dc.models.small{sobel = true, generator = dc.Generator(1)},
  data = ds, k = 5, epochs = 3, batch = 20, threads = 1, out = %q, resume = resume,
  progress = false, hooks = {on_batch = function(r, i)
    -- system() ignores SIGINT while it waits: signal from a detached child, a moment later
    if r.epoch == 1 and i == 3 and not resume then os.execute('(sleep 0.3; kill -INT ' .. %q .. ') &') end
  end}}
run:fit()
print('finished at epoch ' .. run.epoch)
]], out, '$PPID'))
    f:close()
    -- the hook has its own launcher process signalled during epoch 2
    local p = io.popen('sh -c \'exec ./dclab ' .. script .. ' 2>&1\'; echo "exit=$?"')
    local text = p:read('a')
    p:close()
    assert.truthy(text:find('interrupted during epoch 2; the checkpoint of epoch 1 is intact', 1, true), text)
    assert.truthy(text:find('exit=1', 1, true), text)
    assert.are.equal(1, #dc.deepcluster_log(out))
    p = io.popen('./dclab ' .. script .. ' resume 2>&1')
    text = p:read('a')
    p:close()
    assert.truthy(text:find('finished at epoch 3', 1, true), text)
    assert.are.equal(3, #dc.deepcluster_log(out))
    os.execute('rm -rf ' .. out .. ' ' .. script)
  end)
end)

// The restoration page: one photo at a time to POST /v1/restore, then original | restored with a slider.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var current = null;      // the chosen File
  var originalUrl = null;  // object URLs, revoked when replaced
  var restoredUrl = null;

  fetch('healthz').then(function (r) { return r.json(); }).then(function (h) {
    if (h.model) { $('model').textContent = h.model + ' · faces ' + h.face_size + ' px · batches of up to ' + h.max_batch; }
    if (!h.super_resolution) {
      $('sr').disabled = true;
      $('sr').parentNode.title = 'this server has no super-resolution network (gpen serve --use_sr or --sr_scale)';
      $('sr').parentNode.classList.add('off');
    }
  }).catch(function () {});

  var drop = $('drop');
  drop.addEventListener('click', function (e) { if (e.target.tagName !== 'LABEL') { $('file').click(); } });
  drop.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { $('file').click(); } });
  ['dragenter', 'dragover'].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove('over'); });
  });
  drop.addEventListener('drop', function (e) {
    if (e.dataTransfer.files.length) { choose(e.dataTransfer.files[0]); }
  });
  $('file').addEventListener('change', function () {
    if (this.files.length) { choose(this.files[0]); }
  });
  $('alpha').addEventListener('input', function () { $('alphaValue').textContent = Number(this.value).toFixed(2); });
  $('again').addEventListener('click', function () { if (current) { restore(current); } });
  $('slider').addEventListener('input', function () { reveal(this.value); });

  function reveal(percent) {
    $('overlay').style.clipPath = 'inset(0 0 0 ' + percent + '%)';
    $('handle').style.left = percent + '%';
  }

  function choose(file) {
    current = file;
    $('again').disabled = false;
    restore(file);
  }

  function restore(file) {
    var query = 'aligned=' + $('aligned').checked + '&alpha=' + $('alpha').value + '&use_sr=' + $('sr').checked;
    var form = new FormData();
    form.append('image', file, file.name);
    var xhr = new XMLHttpRequest();
    var started = performance.now();
    xhr.open('POST', 'v1/restore?' + query);
    xhr.responseType = 'blob';
    showProgress('uploading…', 0);
    $('error').hidden = true;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { showProgress('uploading… ' + Math.round(100 * e.loaded / e.total) + ' %', 100 * e.loaded / e.total); }
    };
    xhr.upload.onload = function () { working('restoring…'); };
    xhr.onerror = function () { failed('the server did not answer'); };
    xhr.onload = function () {
      if (xhr.status !== 200) {
        xhr.response.text().then(function (t) {
          var message = t;
          try { message = JSON.parse(t).error; } catch (ignored) { /* not JSON */ }
          failed(xhr.status + ': ' + message);
        });
        return;
      }
      var seconds = (performance.now() - started) / 1000;
      var faces = xhr.getResponseHeader('X-Gpen-Faces');
      var disposition = xhr.getResponseHeader('Content-Disposition') || '';
      var name = (/filename="([^"]+)"/.exec(disposition) || [null, 'restored.png'])[1];
      show(file, xhr.response, Number(faces), seconds, name);
    };
    xhr.send(form);
  }

  function showProgress(text, percent) {
    $('progress').hidden = false;
    $('progress').classList.remove('working');
    $('bar').style.width = percent + '%';
    $('status').textContent = text;
  }

  function working(text) {
    $('progress').classList.add('working');
    $('status').textContent = text;
  }

  function failed(message) {
    $('progress').hidden = true;
    $('error').textContent = message;
    $('error').hidden = false;
  }

  function show(file, restored, faces, seconds, name) {
    if (originalUrl) { URL.revokeObjectURL(originalUrl); }
    if (restoredUrl) { URL.revokeObjectURL(restoredUrl); }
    originalUrl = URL.createObjectURL(file);
    restoredUrl = URL.createObjectURL(restored);
    $('original').src = originalUrl;
    $('restored').src = restoredUrl;
    $('faces').textContent = faces + (faces === 1 ? ' face' : ' faces') + ' restored';
    $('time').textContent = seconds.toFixed(2) + ' s';
    $('download').href = restoredUrl;
    $('download').download = name;
    $('slider').value = 50;
    reveal(50);
    $('progress').hidden = true;
    $('result').hidden = false;
  }
}());

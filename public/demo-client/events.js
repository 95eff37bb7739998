// Keeps "Events pushed by the platform" current: asks /events.json every 2 s and adds what is new.
// Without JavaScript the list is the one rendered with the page (reload to see more).
(function () {
  'use strict';
  var list = document.getElementById('pushed-events');
  var empty = document.getElementById('events-empty');
  if (!list || !window.fetch) {
    return;
  }

  // the same markup as views/demo-client/home.hbs
  function itemOf(e) {
    var li = document.createElement('li');
    li.setAttribute('data-id', e.id);
    var device = document.createElement('span');
    device.className = 'event-device';
    device.textContent = e.displayName;
    var value = document.createElement('strong');
    value.textContent = e.value;
    var time = document.createElement('time');
    time.setAttribute('datetime', e.date);
    time.textContent = e.time;
    li.append(device, ' ' + e.name + ' is ', value, ' ', time);
    return li;
  }

  // A pushed switch change also updates that switch in "Switches you shared" (state and button).
  function reflect(e) {
    var row = e.name === 'switch' && document.querySelector('li[data-switch-id="' + CSS.escape(e.deviceId) + '"]');
    if (!row || (e.value !== 'on' && e.value !== 'off')) {
      return;
    }
    var next = e.value === 'on' ? 'off' : 'on';
    var state = row.querySelector('.switch-state');
    var form = row.querySelector('form');
    var button = row.querySelector('button');
    var name = row.querySelector('.switch-name');
    if (state) {
      state.textContent = e.value;
      state.className = 'switch-state ' + e.value;
    }
    if (form) {
      form.setAttribute('action', '/switches/' + encodeURIComponent(e.deviceId) + '/' + next);
    }
    if (button && name) {
      button.textContent = 'Turn ' + name.textContent + ' ' + next;
    }
  }

  // Only new events are added (and old ones dropped), so a screen reader hears each one once.
  function show(events) {
    var wanted = {};
    events.forEach(function (e) { wanted[e.id] = true; });
    var present = {};
    Array.prototype.slice.call(list.children).forEach(function (li) {
      var id = li.getAttribute('data-id');
      if (wanted[id]) {
        present[id] = true;
      } else {
        li.remove();
      }
    });
    // newest first: walk from the oldest so each new one lands on top
    for (var i = events.length - 1; i >= 0; i--) {
      if (!present[events[i].id]) {
        list.prepend(itemOf(events[i]));
        reflect(events[i]);
      }
    }
    if (empty) {
      empty.hidden = events.length > 0;
    }
  }

  function poll() {
    if (document.hidden) {
      return;
    }
    fetch('/events.json', { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.connected && Array.isArray(body.events)) {
          show(body.events);
        }
      })
      .catch(function () {
        // the service is restarting or the network is down: the next poll tries again
      });
  }

  setInterval(poll, 2000);
})();

// The tour's only script. Every page works without it; it refreshes the live values every second
// and sends the forms in the background, so nothing needs a reload.
//
// Refreshing fetches the page itself and copies over each element marked data-live: the numbers and
// charts come from the same server-side view as on first load, so there is one way to draw them.
"use strict";

(() => {
  const REFRESH_MS = 1000;

  function say(text) {
    const status = document.getElementById("live-status");
    if (status && status.textContent !== text) status.textContent = text;
  }

  async function refresh() {
    const response = await fetch(location.pathname + location.search, {
      headers: { Accept: "text/html" },
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`the page answered ${response.status}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const live of document.querySelectorAll("[data-live]")) {
      const next = fresh.getElementById(live.id);
      if (next && next.innerHTML !== live.innerHTML) live.innerHTML = next.innerHTML;
    }
  }

  async function tick() {
    if (!document.hidden) {
      try {
        await refresh();
        say("Live: these values refresh every second.");
      } catch {
        say("Live updates paused: the tour is not answering. They resume when it does.");
      }
    }
    setTimeout(tick, REFRESH_MS);
  }

  // A form is sent with fetch and answered in plain text, shown under its button.
  async function send(form) {
    const button = form.querySelector("button");
    let answer = form.querySelector("output.answer");
    if (!answer) {
      answer = document.createElement("output");
      answer.className = "answer";
      answer.setAttribute("aria-live", "polite");
      form.append(answer);
    }
    button.disabled = true;
    answer.textContent = "Sending…";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "text/plain" },
      });
      answer.textContent = (await response.text()).trim();
      answer.classList.toggle("refused", !response.ok);
      await refresh();
    } catch {
      answer.textContent = "The tour did not answer: is it still running?";
      answer.classList.add("refused");
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
    event.preventDefault();
    send(form);
  });

  // A page with nothing live (the PromQL page, whose values are asked once per visit) keeps the
  // layout's "as of page load" line, and is not fetched again for nothing.
  if (document.querySelector("[data-live]")) setTimeout(tick, REFRESH_MS);
})();

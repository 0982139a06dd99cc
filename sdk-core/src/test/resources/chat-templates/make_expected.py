#!/usr/bin/env python3
"""Writes expected.json: chat templates rendered by real Jinja2 the way transformers renders them.

JinjaChatTemplateTest renders every case with Jinjava and compares the text exactly. The Jinja
environment below copies transformers' (transformers/utils/chat_template_utils.py,
_cached_compile_jinja_template, 5.x): ImmutableSandboxedEnvironment(trim_blocks=True,
lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols]), the `tojson` filter replaced by
json.dumps(ensure_ascii=False, ...), globals raise_exception and strftime_now; render() gets
messages, tools, documents, add_generation_prompt, the tokenizer's special tokens (only those that
are set) and the caller's extra keyword arguments. strftime_now reads a fixed clock (FIXED_NOW) so
the expected text does not change by the day; the Java test sets the same clock.

When transformers is installed, each case is also rendered with transformers' own compiled template
and must agree (templates that call strftime_now excepted: transformers reads the real clock).

Needs only jinja2 (>= 3.1). Run: python3 make_expected.py  (writes expected.json next to itself)
"""

import json
import os
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime(2024, 7, 3, 14, 5, 9)
HERE = os.path.dirname(os.path.abspath(__file__))


class GenerationTag(Extension):
    """transformers' AssistantTracker without the tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception
ENV.globals["strftime_now"] = strftime_now

TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}

TEMPLATES = {
    # Qwen2.5-style ChatML (the system prompt is added when the conversation has none).
    "chatml": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    # TinyLlama-1.1B-Chat-v1.0 (Zephyr style): one tag per line, trim_blocks/lstrip_blocks matter.
    "zephyr": (
        "{% for message in messages %}\n"
        "{% if message['role'] == 'user' %}\n"
        "{{ '<|user|>\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'system' %}\n"
        "{{ '<|system|>\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'assistant' %}\n"
        "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
        "{% endif %}\n"
        "{% if loop.last and add_generation_prompt %}\n"
        "{{ '<|assistant|>' }}\n"
        "{% endif %}\n"
        "{% endfor %}"
    ),
    # Llama-2-chat: <<SYS>> folded into the first user turn, raise_exception on bad alternation.
    "llama2": (
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
        "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
        "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if loop.index0 == 0 and system_message != false %}"
        "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        "{% else %}{% set content = message['content'] %}{% endif %}"
        "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
        "{% endfor %}"
    ),
    # Llama-3-style: filter binds tighter than +, bos only on the first message.
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
        "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
        "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
    ),
    # namespace(): state that survives the loop scope.
    "namespace": (
        "{% set ns = namespace(count=0, last='', found=false) %}\n"
        "{% for m in messages %}\n"
        "  {% set ns.count = ns.count + 1 %}\n"
        "  {% set ns.last = m.role %}\n"
        "  {% if m.role == 'assistant' %}{% set ns.found = true %}{% endif %}\n"
        "{% endfor %}\n"
        "count={{ ns.count }} last={{ ns.last }} found={{ ns.found }}\n"
    ),
    # Whitespace: trim_blocks, lstrip_blocks, manual - and + control, comments, expressions.
    "whitespace": (
        "<start>\n"
        "    {% for m in messages %}\n"
        "    [{{ m.role }}]\n"
        "        {# a comment on its own line #}\n"
        "    {%- if m.content %}  {{ m.content }}  {% endif -%}\n"
        "\n"
        "    {%+ if true %}kept-indent{% endif %}\n"
        "    {{ '<expr>' }}\n"
        "    {% endfor %}\n"
        "  {%- if add_generation_prompt %}\n"
        "gen\n"
        "{% endif %}\n"
        "<end>\n"
    ),
    "whitespace-trailing-newlines": "a\n{% if true %}\nb\n{% endif %}\n\n",
    # tojson as transformers defines it: json.dumps, non-ASCII kept, indent and sort_keys supported.
    "tojson": (
        "{{ tools | tojson }}\n"
        "{{ tools | tojson(indent=4) }}\n"
        "{{ tools[0] | tojson(indent=2, sort_keys=true) }}\n"
        "{% for m in messages %}{{ m | tojson }}\n{{ m.content | tojson }}\n{% endfor %}"
        "{{ [] | tojson(indent=4) }}{{ {} | tojson(indent=4) }}{{ none | tojson }}"
        "{{ [1, 2.5, true, false, none, 1e20, 1e-7, 0.1, 100.0, -0.0] | tojson }}"
    ),
    "string-methods": (
        "{% for m in messages %}\n"
        "{% set c = m.content %}\n"
        "[{{ c.strip() }}][{{ c.lstrip() }}][{{ c.rstrip() }}][{{ c.strip(' .') }}][{{ c.lstrip('\\n ') }}]\n"
        "[{{ c.upper() }}][{{ c.lower() }}][{{ c.title() }}][{{ c.capitalize() }}]\n"
        "[{{ c.startswith('  He') }}][{{ c.endswith('. ') }}][{{ c.strip().startswith('he') }}]"
        "[{{ c.startswith(('x', '  ')) }}]\n"
        "[{{ c.split() }}][{{ c.split(' ') }}][{{ c.split('o', 1) }}][{{ c.split('</think>')[-1] }}]"
        "[{{ c.rsplit(' ', 1)[0] }}]\n"
        "[{{ c.replace('o', '0') }}][{{ c.replace('o', '0', 1) }}][{{ c.find('o') }}][{{ c.count('o') }}]\n"
        "[{{ c[0] }}][{{ c[-1] }}][{{ c[2:5] }}][{{ c[::-1] }}][{{ c | length }}]\n"
        "[{{ '-'.join(['a', 'b']) }}][{{ c.splitlines() }}][{{ c.strip().isdigit() }}]"
        "[{{ c.removeprefix('  ') }}][{{ c.removesuffix(' ') }}]\n"
        "{% endfor %}"
    ),
    "operators": (
        "{{ 'ell' in 'hello' }} {{ 'x' in 'hello' }} {{ 'x' not in 'hello' }} {{ 'role' in messages[0] }}"
        " {{ 'tools' in messages[0] }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }}\n"
        "{{ 7 // 2 }} {{ 7 % 3 }} {{ 3 / 2 }} {{ 4 / 2 }} {{ 2 ** 3 }} {{ -7 // 2 }} {{ 1.5 * 2 }}\n"
        "{{ 'a' ~ 1 ~ 'b' }} {{ 'a' + 'b' }} {{ [1] + [2] }}\n"
        "{{ not true or true }} {{ not (true and false) }} {{ 1 < 2 and 2 <= 3 }} {{ messages|length - 1 }}"
        " {{ not 2 == 1 }} {{ not none is none }} {{ not [] | length > 0 }} {{ not 'a' in 'abc' }} {{ not not true }}"
        " {{ (messages|length - 1) - 1 }} {{ 1 if messages else 2 }} {{ 'y' if none else 'n' }}\n"
        "{{ true }} {{ false }} {{ none }} {{ True }} {{ None }} {{ [1, 'a', true, none] }}"
        " {{ {'a': 1, 'b': 'c'} }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 10 }}\n"
        "{{ messages[0].role == messages[0]['role'] }} {{ messages[-1]['content'] }}"
        " {{ messages[1:] | length }} {{ messages[:-1] | length }} {{ (messages[::-1] | first).role }}\n"
    ),
    "tests": (
        "{% set d = {'k': 'v'} %}{% set s = 'str' %}{% set l = [1] %}{% set n = none %}"
        "{{ s is string }}{{ d is string }}{{ d is mapping }}{{ l is mapping }}{{ s is iterable }}"
        "{{ l is iterable }}{{ d is iterable }}{{ 1 is iterable }}{{ s is sequence }}{{ l is sequence }}\n"
        "{{ n is none }}{{ s is none }}{{ n is not none }}{{ s is defined }}{{ nope is defined }}"
        "{{ nope is undefined }}{{ 1 is number }}{{ 1.5 is number }}{{ s is number }}{{ 1 is integer }}"
        "{{ 1.5 is float }}{{ true is boolean }}{{ 1 is boolean }}{{ true is true }}{{ false is false }}\n"
        "{{ 4 is divisibleby 2 }}{{ 3 is odd }}{{ 3 is even }}{{ 2 is in [1, 2] }}{{ 'a' is eq 'a' }}"
        "{{ raise_exception is defined }}{{ strftime_now is defined }}{{ tools is none }}{{ documents is none }}"
        "{{ tools is defined }}\n"
    ),
    "loops": (
        "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
        "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.cycle('a', 'b') }};{% endfor %}\n"
        "{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{{ m.role }}"
        "{% if m.role == 'assistant' %}{% break %}{% endif %},{% endfor %}\n"
        "{% for m in messages if m.role != 'system' %}{{ m.role }}{% else %}empty{% endfor %}\n"
        "{% for m in [] %}x{% else %}empty{% endfor %}\n"
        "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }},{% endfor %}"
        "{% for k in {'a': 1, 'b': 2} %}{{ k }},{% endfor %}"
        "{% for v in {'a': 1, 'b': 2}.values() %}{{ v }},{% endfor %}"
        "{% for k in {'a': 1, 'b': 2}.keys() %}{{ k }},{% endfor %}\n"
        "{% for m in messages %}{% for c in m.role %}{{ c }}{% endfor %}|{% endfor %}\n"
        "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}\n"
        "{% for m in messages %}{% if not loop.first %}{{ messages[loop.index0 - 1].role }}>{% endif %}"
        "{{ m.role }}{% if not loop.last %}<{{ messages[loop.index0 + 1].role }}{% endif %} {% endfor %}\n"
    ),
    "filters": (
        "{{ messages | map(attribute='role') | join(', ') }}|{{ messages | selectattr('role', 'equalto', 'user')"
        " | list | length }}|{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | list }}\n"
        "{{ messages | first | tojson }}|{{ (messages | last).role }}|{{ messages | length }}|{{ messages | count }}\n"
        "{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'ab cd' | title }}"
        "|{{ 'ab cd' | capitalize }}|{{ 'aXa' | replace('a', 'b') }}|{{ nope | default('dflt') }}"
        "|{{ '' | default('empty', true) }}|{{ 5 | string }}|{{ '42' | int + 1 }}|{{ [3, 1, 2] | sort | list }}"
        "|{{ [1, 1, 2] | unique | list }}|{{ [1, 2] | reverse | list }}|{{ [1, 2, 3] | sum }}"
        "|{{ [1, 5, 2] | max }}|{{ {'b': 1, 'a': 2} | dictsort }}|{{ {'a': 1} | items | list }}\n"
        "{{ 'line1\\nline2' | indent(2) }}|{{ 'line1\\nline2' | indent(4, true) }}|{{ 'a b c' | wordcount }}"
        "|{{ messages[0].content | length }}|{{ 'x' | list }}|{{ [1, true, none] | join('-') }}|{{ messages | map(attribute='role') | unique | list }}\n"
    ),
    "macros-and-set": (
        "{% macro render(m, prefix='>') %}{{ prefix }}{{ m.role }}:{{ m.content }}{% endmacro %}"
        "{% for m in messages %}{{ render(m) }}{{ render(m, prefix='#') }}\n{% endfor %}"
        "{% set block %}B{{ messages | length }}{% endset %}{{ block }}\n"
        "{% set outer = 1 %}{% for m in messages %}{% set outer = 2 %}{% endfor %}{{ outer }}\n"
        "{% if messages | length > 5 %}many{% elif messages | length > 1 %}some{% else %}one{% endif %}\n"
        "{%- generation -%}gen {{ messages[0].role }}{%- endgeneration %}\n"
    ),
    "literals": (
        "{{ 'a\\nb' }}|{{ \"tab\\there\" }}|{{ 'back\\\\slash' }}|{{ \"it's\" }}|{{ 'say \"hi\"' }}"
        "|{{ 'it\\'s' }}|{{ '\\u00e9\\x41\\U0001F600\\N{BULLET}\\101\\q' }}|{{ 'line\\\ncontinued' }}\n"
    ),
    "special-tokens": (
        "[{{ bos_token }}][{{ eos_token }}][{{ unk_token }}][{{ pad_token }}]"
        "{% if bos_token is defined %}bos{% endif %}{% if pad_token is defined %}pad{% endif %}"
        "{% if custom is defined %}[{{ custom }}]{% endif %}{% if enable_thinking is defined and not enable_thinking %}"
        "<think>\n\n</think>{% endif %}\n"
    ),
    "strftime": (
        "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%B %-d, %Y') }}"
        "|{{ strftime_now('%A %a %y %j %I %p %%') }}\n"
    ),
    # Tool calls: structured message fields pass through (Qwen2.5-style tool rendering).
    "tools": (
        "{%- if tools %}\n"
        "{{- '<|im_start|>system\\n# Tools\\n<tools>' }}\n"
        "{%- for tool in tools %}\n"
        "{{- '\\n' }}{{- tool | tojson }}\n"
        "{%- endfor %}\n"
        "{{- '\\n</tools><|im_end|>\\n' }}\n"
        "{%- endif %}\n"
        "{%- for message in messages %}\n"
        "{%- if message.role == 'assistant' and message.tool_calls is defined %}\n"
        "{{- '<|im_start|>assistant' }}\n"
        "{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}\n"
        "{%- for tool_call in message.tool_calls %}\n"
        "{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}\n"
        "{{- '\\n<tool_call>\\n{\"name\": \"' }}{{- tool_call.name }}{{- '\", \"arguments\": ' }}"
        "{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}\n"
        "{%- endfor %}\n"
        "{{- '<|im_end|>\\n' }}\n"
        "{%- elif message.role == 'tool' %}\n"
        "{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}\n"
        "{%- elif message.content is string %}\n"
        "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}\n"
        "{%- else %}\n"
        "{{- '<|im_start|>' + message.role + '\\n' }}{%- for part in message.content %}"
        "{%- if part.type == 'text' %}{{- part.text }}{%- else %}<{{ part.type }}>{%- endif %}{%- endfor %}"
        "{{- '<|im_end|>\\n' }}\n"
        "{%- endif %}\n"
        "{%- endfor %}\n"
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}\n"
    ),
    # More whitespace control: + modifiers, comments with -, raw blocks, tags after expressions.
    "whitespace-control": (
        "{% for m in messages %}\n"
        "  {%- if loop.first %}first{% endif +%}\n"
        "  {%+ if true %}plus{% endif %}\n"
        "  {{+ m.role }} {#- comment -#}   after\n"
        "  {% raw -%}   {{ not rendered }} {% if %} {% endraw %}\n"
        "    {%- raw %} x {%- endraw %}\n"
        "{{ m.role }} {% if true %}same-line{% endif %}\n"
        "    {# indented comment #}\n"
        "{% endfor %}\n"
    ),
    # for ... if (loop variables count the kept items) and for ... else.
    "loop-filters": (
        "{% for m in messages if m.role != 'system' %}{{ loop.index }}/{{ loop.length }}:{{ m.role }}"
        "{% if loop.last %}.{% endif %} {% else %}none{% endfor %}\n"
        "{% for m in messages if m.role == 'tool' %}{{ m.role }}{% else %}no tools{% endfor %}\n"
        "{% for k, v in {'a': 1, 'b': 2}.items() if v > 1 %}{{ k }}{% endfor %}\n"
        "{% for m in [] %}{% for x in [1] %}{{ x }}{% else %}inner{% endfor %}{% else %}outer-empty{% endfor %}\n"
        "{% for m in messages %}{% if m.role == 'x' %}{% else %}{{ m.role[0] }}{% endif %}{% else %}never{% endfor %}\n"
        "{%- for m in messages if m.content is string and 'a' in m.content -%}\n"
        "  {{ m.role }}\n"
        "{%- else -%}\n"
        "  nothing\n"
        "{%- endfor %}\n"
    ),
    # A key or variable holding None is defined; named arguments take whole expressions.
    "defined-and-kwargs": (
        "{% set ns = namespace(last=messages|length - 1, n=none) %}{{ ns.last }} {{ ns.n is defined }}"
        " {{ ns.missing is defined }}\n"
        "{% for m in messages %}{{ m.tool_calls is defined }}{{ m['tool_calls'] is not defined }}"
        "{{ m.content is defined }}{{ m.nope is defined }}{{ m.content is none }},{% endfor %}\n"
        "{{ tools is defined }}{{ tools is none }}{{ documents is defined }}{{ nothing is defined }}"
        "{{ nothing is undefined }}{{ messages[0] is defined }}{{ messages[9] is defined }}"
        "{{ not nothing is defined }}{{ loop is defined }}\n"
        "{{ messages[0] | tojson(indent=2 - 1) }}\n"
        "{% for m in messages %}[{{ m.content }}][{{ m.nope }}][{{ m.get('nope') }}][{{ m['tool_calls'] }}]"
        "{% endfor %}[{{ nothing }}][{{ none }}]\n"
    ),
    "slices": (
        "{% set s = 'abcdef' %}{% set l = [1, 2, 3, 4, 5] %}{{ s[1:3] }} {{ s[::2] }} {{ s[::-1] }} {{ s[-2:] }}"
        " {{ s[:-2] }} {{ l[1:] }} {{ l[::-2] }} {{ l[-3:-1] }} {{ l[10:] }} {{ s[4:1:-1] }} {{ l[ : : 2 ] }}"
        " {{ (messages[::-1] | first).role }} {{ messages[::-1][0].role }}\n"
    ),
    # Less common tags and calls: filter and with blocks, call/caller, dict(), str.format, batch,
    # a conditional expression without else (Undefined, written as nothing).
    "misc": (
        "{% filter upper %}{{ messages[0].role }} text{% endfilter %}|{% with a = 1, b = messages | length %}"
        "{{ a + b }}{% endwith %}|{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}in{% endcall %}"
        "|{{ dict(a=1, b='x') }}|{{ '{} and {}'.format(1, 'two') }}|{{ '{0}-{name}-{0!r}'.format('p', name='n') }}"
        "|{{ [1, 2, 3] | batch(2) | list }}|{{ [1, 2, 3] | batch(2, 0) | list }}\n"
        "{% for m in messages %}[{{ m.role if m.role == 'user' }}]{{ '\n' if not loop.last }}{% endfor %}"
        "{% set sep = ', ' if messages | length > 9 %}[{{ sep }}][{{ 'a' if false else 'b' }}]"
        "[{{ ('x' if true) ~ ('y' if (false if true else true)) }}]\n"
    ),
    "raise-nested": (
        "{% for m in messages %}{% if m.role not in ['system', 'user', 'assistant'] %}"
        "{{ raise_exception('Unknown role ' + m.role + ' at ' ~ loop.index0) }}{% endif %}{{ m.role }}{% endfor %}"
    ),
}


# Model-style templates, written after published ones (Llama 3.1, Mistral v0.3 with tools, Gemma,
# DeepSeek-R1, Phi-3) to exercise the constructs real templates combine. The expected text comes
# from Jinja2 like every case; the templates need not be byte-identical to the published ones.
TEMPLATES["llama31-tools"] = r"""{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

TEMPLATES["mistral-tools"] = r"""{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
"""

TEMPLATES["gemma"] = r"""{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"""

TEMPLATES["deepseek-r1"] = r"""{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}{% set ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}{%- else %}{% set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and 'tool_calls' in message %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}{%- if message['content'] is none %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}{%- set ns.is_first = true -%}{%- else %}{{'\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\n'}}{% endif %}"""

TEMPLATES["phi3"] = r"""{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %}"""

SYSTEM = {"role": "system", "content": "You are terse."}
USER = {"role": "user", "content": "Hello, how are you?"}
ASSISTANT = {"role": "assistant", "content": "  Fine, thanks.  "}
USER2 = {"role": "user", "content": "Tell me a joke\nwith two lines."}
TRICKY = {"role": "user", "content": "{{ bos_token }} {% raw %} é ü 中文 😀 \"q\" 'a' \\ \t tab\r\nend"}
STRINGY = {"role": "user", "content": "  Hello world. Foo</think>  bar. "}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city, e.g. \"Zürich\" <now>",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 1}},
                "required": ["city"],
            },
        },
    }
]
TOOL_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}}
    ],
}
TOOL_RESULT = {"role": "tool", "content": "{\"temp\": 21.5}"}
LLAMA_CALL = {"role": "assistant", "tool_calls": [
    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich"}}}]}
BUILTIN_CALL = {"role": "assistant", "tool_calls": [
    {"type": "function", "function": {"name": "brave_search", "arguments": {"query": "weather"}}}]}
MISTRAL_CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "abc123XYZ", "function": {"name": "get_weather", "arguments": {"city": "Zürich"}}}]}
MULTIMODAL = {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}

CASES = [
    ("chatml-no-system", "chatml", [USER, ASSISTANT, USER2], True, {}),
    ("chatml-system", "chatml", [SYSTEM, USER], False, {}),
    ("chatml-tricky-content", "chatml", [TRICKY], True, {}),
    ("zephyr", "zephyr", [SYSTEM, USER, ASSISTANT, USER2], True, {}),
    ("zephyr-no-prompt", "zephyr", [USER], False, {}),
    ("llama2-system", "llama2", [SYSTEM, USER, ASSISTANT, USER2], False, {}),
    ("llama2-no-system", "llama2", [USER, ASSISTANT], False, {}),
    ("llama2-bad-alternation", "llama2", [USER, USER2], False, {}),
    ("llama3", "llama3", [SYSTEM, USER, ASSISTANT], True, {}),
    ("namespace", "namespace", [SYSTEM, USER, ASSISTANT], False, {}),
    ("whitespace", "whitespace", [USER, {"role": "assistant", "content": ""}], True, {}),
    ("whitespace-trailing-newlines", "whitespace-trailing-newlines", [USER], False, {}),
    ("tojson", "tojson", [TRICKY, TOOL_CALL], False, {"tools": TOOLS}),
    ("string-methods", "string-methods", [STRINGY, {"role": "user", "content": "\n 42 \n"}], False, {}),
    ("operators", "operators", [SYSTEM, USER, ASSISTANT], False, {}),
    ("tests", "tests", [USER], False, {}),
    ("loops", "loops", [SYSTEM, USER, ASSISTANT, USER2], False, {}),
    ("filters", "filters", [USER, ASSISTANT, USER2], False, {}),
    ("macros-and-set", "macros-and-set", [USER, ASSISTANT], False, {}),
    ("literals", "literals", [USER], False, {}),
    ("special-tokens", "special-tokens", [USER], False, {"custom": "x", "enable_thinking": False}),
    ("special-tokens-unset", "special-tokens", [USER], False, {"bos_token": None, "unk_token": None}),
    ("strftime", "strftime", [USER], False, {}),
    ("tools", "tools", [SYSTEM, USER, TOOL_CALL, TOOL_RESULT, MULTIMODAL], True, {"tools": TOOLS}),
    ("tools-none", "tools", [USER], True, {}),
    ("whitespace-control", "whitespace-control", [SYSTEM, USER], False, {}),
    ("loop-filters", "loop-filters", [SYSTEM, USER, ASSISTANT, USER2], False, {}),
    ("defined-and-kwargs", "defined-and-kwargs",
     [USER, {"role": "assistant", "content": None, "tool_calls": None}], False, {}),
    ("slices", "slices", [SYSTEM, USER, ASSISTANT], False, {}),
    ("llama31-plain", "llama31-tools", [SYSTEM, USER, ASSISTANT, USER2], True, {}),
    ("llama31-tools-in-user-message", "llama31-tools",
     [SYSTEM, USER, LLAMA_CALL, {"role": "ipython", "content": {"temp": 21.5}}, {"role": "tool", "content": "sunny"}],
     True, {"tools": TOOLS, "date_string": "01 Aug 2024"}),
    ("llama31-tools-in-system", "llama31-tools", [USER, LLAMA_CALL], False,
     {"tools": TOOLS, "tools_in_user_message": False}),
    ("llama31-builtin-tools", "llama31-tools", [USER, BUILTIN_CALL], True,
     {"builtin_tools": ["brave_search", "code_interpreter"]}),
    ("llama31-two-tool-calls", "llama31-tools", [USER, {**LLAMA_CALL, "tool_calls": LLAMA_CALL["tool_calls"] * 2}],
     False, {}),
    ("mistral-tools", "mistral-tools",
     [SYSTEM, USER, MISTRAL_CALL, {"role": "tool", "tool_call_id": "abc123XYZ", "content": "21.5"},
      {"role": "assistant", "content": " It is 21.5. "}, USER2], False, {"tools": TOOLS}),
    ("mistral-bad-call-id", "mistral-tools", [USER, {**MISTRAL_CALL, "tool_calls": [
        {"id": "short", "function": MISTRAL_CALL["tool_calls"][0]["function"]}]}], False, {}),
    ("mistral-bad-alternation", "mistral-tools", [USER, USER2], False, {}),
    ("gemma", "gemma", [USER, ASSISTANT, USER2], True, {}),
    ("gemma-system-rejected", "gemma", [SYSTEM, USER], True, {}),
    ("deepseek-r1", "deepseek-r1",
     [SYSTEM, SYSTEM, USER, {"role": "assistant", "content": "<think>hmm</think>Four."}, USER2,
      {"role": "assistant", "content": None, "tool_calls": [
          {"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}},
          {"type": "function", "function": {"name": "g", "arguments": "{}"}}]},
      {"role": "tool", "content": "1"}, {"role": "tool", "content": "2"}], True, {}),
    ("phi3", "phi3", [SYSTEM, USER, ASSISTANT], False, {}),
    ("phi3-prompt", "phi3", [USER], True, {}),
    ("misc", "misc", [USER, ASSISTANT, USER2], False, {}),
    ("raise-nested", "raise-nested", [USER, {"role": "robot", "content": "beep"}], False, {}),
]


def context(extra):
    """The keyword arguments transformers passes: special tokens that are set, then the caller's."""
    tokens = dict(TOKENS)
    for key in list(extra):
        if key in tokens and extra[key] is None:
            del tokens[key]  # an unset special token is absent from special_tokens_map
    kwargs = {k: v for k, v in extra.items() if not (k in TOKENS and v is None)}
    tools = kwargs.pop("tools", None)
    documents = kwargs.pop("documents", None)
    return tokens, tools, documents, kwargs


def render(env_template, messages, add_generation_prompt, extra):
    tokens, tools, documents, kwargs = context(extra)
    return env_template.render(
        messages=messages,
        tools=tools,
        documents=documents,
        add_generation_prompt=add_generation_prompt,
        **{**tokens, **kwargs},
    )


def transformers_template(source):
    try:
        from transformers.utils.chat_template_utils import _compile_jinja_template
    except Exception:  # transformers not installed: the cross-check is skipped
        return None
    return _compile_jinja_template(source)


def main():
    out_cases = []
    for name, template, messages, add_generation_prompt, extra in CASES:
        case = {
            "name": name,
            "template": template,
            "messages": messages,
            "add_generation_prompt": add_generation_prompt,
            "special_tokens": context(extra)[0],
            "extra": {k: v for k, v in extra.items() if k not in TOKENS},
        }
        try:
            case["expected"] = render(ENV.from_string(TEMPLATES[template]), messages, add_generation_prompt, extra)
        except jinja2.exceptions.TemplateError as e:
            case["error"] = str(e)
        reference = transformers_template(TEMPLATES[template])
        if reference is not None and "strftime_now(" not in TEMPLATES[template]:
            try:
                theirs = render(reference, messages, add_generation_prompt, extra)
            except jinja2.exceptions.TemplateError as e:
                theirs = "error: " + str(e)
            ours = case.get("expected", "error: " + case.get("error", ""))
            assert theirs == ours, f"{name}: transformers renders {theirs!r}, this script {ours!r}"
        out_cases.append(case)
    doc = {
        "generator": "make_expected.py",
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "templates": TEMPLATES,
        "cases": out_cases,
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(out_cases)} cases")


if __name__ == "__main__":
    main()

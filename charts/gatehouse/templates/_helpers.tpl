{{/*
Names and labels, as oauth2-proxy's chart and `helm create` spell them.
*/}}
{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name: RELEASE-gatehouse, or RELEASE when it already contains the chart name; 63 characters
at most (DNS label).
*/}}
{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: authentication-proxy
app.kubernetes.io/part-of: {{ include "gatehouse.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Where things are mounted inside the pod. The rendered config points at these paths, and
tests/deployment/chart_test.py checks that every file the config names is mounted there.
*/}}
{{- define "gatehouse.configDir" -}}/etc/gatehouse/config{{- end -}}
{{- define "gatehouse.configFile" -}}{{ include "gatehouse.configDir" . }}/gatehouse.yaml{{- end -}}
{{- define "gatehouse.secretsDir" -}}/etc/gatehouse/secrets{{- end -}}
{{- define "gatehouse.idpMetadataDir" -}}/etc/gatehouse/idp-metadata{{- end -}}
{{- define "gatehouse.dataDir" -}}/var/lib/gatehouse{{- end -}}
{{- define "gatehouse.scimTokensDir" -}}/etc/gatehouse/scim-tokens{{- end -}}

{{/* Whether an SP key pair is configured ("true" or ""). */}}
{{- define "gatehouse.spEnabled" -}}
{{- $sp := .Values.secrets.sp -}}
{{- if or $sp.existingSecret $sp.key $sp.cert -}}true{{- end -}}
{{- end -}}

{{/* Whether a JWT key is configured ("true" or ""). */}}
{{- define "gatehouse.jwtEnabled" -}}
{{- if or .Values.secrets.jwt.existingSecret .Values.secrets.jwt.key -}}true{{- end -}}
{{- end -}}

{{/* Whether a PostgreSQL password is configured ("true" or ""). */}}
{{- define "gatehouse.storePasswordEnabled" -}}
{{- $pg := .Values.store.postgres -}}
{{- if and (eq .Values.store.type "postgres") (or $pg.existingSecret $pg.password) -}}true{{- end -}}
{{- end -}}

{{/*
Whether the chart renders its own Secret ("true" or ""): it holds whatever secret was given
inline, and the session secret unless an existing Secret has it.
*/}}
{{- define "gatehouse.ownSecret" -}}
{{- $s := .Values.secrets -}}
{{- $pg := .Values.store.postgres -}}
{{- if or (not $s.session.existingSecret) (and (include "gatehouse.spEnabled" .) (not $s.sp.existingSecret)) (and $s.jwt.key (not $s.jwt.existingSecret)) (and (include "gatehouse.storePasswordEnabled" .) (not $pg.existingSecret)) -}}true{{- end -}}
{{- end -}}

{{/*
Refusals: settings the chart must not render because Gatehouse would misbehave, each with what
to do instead.
*/}}
{{- define "gatehouse.validate" -}}
{{- $store := .Values.store.type -}}
{{- if and (eq $store "sqlite") (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "replicaCount is %d but store.type is sqlite: a SQLite store is one process's file, so several replicas need PostgreSQL (set store.type: postgres and store.postgres.url), or set replicaCount: 1" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if and (eq $store "sqlite") .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) 1) -}}
{{- fail (printf "autoscaling.maxReplicas is %d but store.type is sqlite: a SQLite store is one process's file, so several replicas need PostgreSQL (set store.type: postgres and store.postgres.url), or turn autoscaling off" (int .Values.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if eq $store "postgres" -}}
{{- if not .Values.store.postgres.url -}}
{{- fail "store.type is postgres but store.postgres.url is empty: set it, e.g. postgres://gatehouse@postgres:5432/gatehouse?sslmode=require" -}}
{{- end -}}
{{- if regexMatch "^postgres(ql)?://[^/@]*:[^/@]*@" .Values.store.postgres.url -}}
{{- fail "store.postgres.url holds a password, and the URL goes into a ConfigMap: take it out of the URL and set store.postgres.password or store.postgres.existingSecret" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.mode "standalone") (not .Values.upstream) -}}
{{- fail "mode is standalone but upstream is empty: set it to the app's Service, e.g. http://my-app:3000" -}}
{{- end -}}
{{- if eq .Values.mode "sidecar" -}}
{{- $port := int .Values.sidecar.app.port -}}
{{- if or (eq $port (int .Values.containerPorts.http)) (eq $port (int .Values.containerPorts.admin)) -}}
{{- fail (printf "sidecar.app.port %d is one of Gatehouse's own ports (containerPorts): the app and Gatehouse share the pod's network, so give the app another port" $port) -}}
{{- end -}}
{{- end -}}
{{- $sp := .Values.secrets.sp -}}
{{- if and (not $sp.existingSecret) (or $sp.key $sp.cert) (not (and $sp.key $sp.cert)) -}}
{{- fail "secrets.sp needs both key and cert (or existingSecret): the certificate is published in the SP metadata and the key must match it" -}}
{{- end -}}
{{- $scim := .Values.secrets.scimTokens -}}
{{- $scimDir := include "gatehouse.scimTokensDir" . -}}
{{- range .Values.config.tenants -}}
{{- $file := .scim_token_sha256_file | default "" -}}
{{- if hasPrefix (printf "%s/" $scimDir) $file -}}
{{- if not (or $scim.existingSecret $scim.hashes) -}}
{{- fail (printf "tenant %s reads %s, but neither secrets.scimTokens.hashes nor secrets.scimTokens.existingSecret is set" .id $file) -}}
{{- end -}}
{{- if and (not $scim.existingSecret) (not (hasKey $scim.hashes (trimPrefix (printf "%s/" $scimDir) $file))) -}}
{{- fail (printf "tenant %s reads %s, but secrets.scimTokens.hashes has no key %s" .id $file (trimPrefix (printf "%s/" $scimDir) $file)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $session := .Values.secrets.session.value -}}
{{- if and $session (lt (len $session) 32) -}}
{{- fail "secrets.session.value must be at least 32 bytes (openssl rand -base64 48)" -}}
{{- end -}}
{{- end -}}

{{/*
The configuration file: `config` from the values, with the keys the chart owns set from the
rest of the values (ports, upstream, store, the mounted secret files).
*/}}
{{- define "gatehouse.configYaml" -}}
{{- $cfg := deepCopy (.Values.config | default dict) -}}
{{- $secrets := include "gatehouse.secretsDir" . -}}
{{- $_ := set $cfg "listen" (printf "0.0.0.0:%d" (int .Values.containerPorts.http)) -}}
{{- $_ := set $cfg "admin_listen" (printf "0.0.0.0:%d" (int .Values.containerPorts.admin)) -}}
{{- if eq .Values.mode "sidecar" -}}
{{- $_ := set $cfg "upstream" (printf "http://127.0.0.1:%d" (int .Values.sidecar.app.port)) -}}
{{- else -}}
{{- $_ := set $cfg "upstream" .Values.upstream -}}
{{- end -}}
{{- if eq .Values.store.type "postgres" -}}
{{- $_ := set $cfg "store" .Values.store.postgres.url -}}
{{- if include "gatehouse.storePasswordEnabled" . -}}
{{- $_ := set $cfg "store_password_file" (printf "%s/store-password" $secrets) -}}
{{- end -}}
{{- else -}}
{{- $_ := set $cfg "store" (printf "sqlite:%s/gatehouse.db" (include "gatehouse.dataDir" .)) -}}
{{- end -}}
{{- $session := deepCopy (get $cfg "session" | default dict) -}}
{{- $_ := set $session "secret_file" (printf "%s/session-secret" $secrets) -}}
{{- $_ := set $cfg "session" $session -}}
{{- if include "gatehouse.spEnabled" . -}}
{{- $sp := deepCopy (get $cfg "sp" | default dict) -}}
{{- $_ := set $sp "key_file" (printf "%s/sp.key" $secrets) -}}
{{- $_ := set $sp "cert_file" (printf "%s/sp.crt" $secrets) -}}
{{- $_ := set $cfg "sp" $sp -}}
{{- end -}}
{{- if include "gatehouse.jwtEnabled" . -}}
{{- $jwt := deepCopy (get $cfg "jwt" | default dict) -}}
{{- $_ := set $jwt "key_file" (printf "%s/jwt.pem" $secrets) -}}
{{- $_ := set $cfg "jwt" $jwt -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
What the pods read from Secrets, hashed for the checksum/secret annotation: the inline values
and the names of existing Secrets (a change inside an existing Secret does not roll the pods).
A generated session secret is left out, so rendering twice gives the same annotation.
*/}}
{{- define "gatehouse.secretInputs" -}}
{{- dict "secrets" .Values.secrets "postgres" (pick .Values.store.postgres "password" "existingSecret" "existingSecretKey") | toJson -}}
{{- end -}}
